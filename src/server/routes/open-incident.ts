import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RequestRefusedError } from '../../app/errors.ts';
import { openIncident, prepareIncident } from '../../app/open-incident.ts';
import { defaultRunbookId, getRunbook, runbookIds } from '../../runbooks/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { identityOf, requireRole } from '../guard.ts';
import { openIncidentForm, type OpenFormChoices, type OpenFormValues } from '../views/forms.ts';
import { page } from '../views/layout.ts';
import { freeText, parseForm } from './form-input.ts';

const OpenForm = z.object({
  symptom: freeText('the symptom', { required: true }),
  runbook: z.string({ error: 'choose a runbook' }).min(1, 'choose a runbook'),
  cause: z
    .string()
    .max(64)
    .optional()
    .transform((c) => c || undefined),
  service: z
    .string()
    .optional()
    .transform((s) => s || undefined),
});

/** The form's choices: every runbook with its causes and the catalog's services it handles. */
function choices(deps: ConsoleDeps): OpenFormChoices {
  const catalog = deps.catalog;
  const runbooks = runbookIds().map((id) => ({
    id,
    causes: Object.keys(getRunbook(id).causes),
    services: catalog.names().filter((name) => catalog.require(name).runbook === id),
  }));
  const first = catalog.names()[0];
  return { runbooks, defaultRunbook: first ? catalog.require(first).runbook : defaultRunbookId() };
}

/** Opening an incident from the console: the same checks as `runbook start`, and a refusal that keeps the form as typed. */
export function registerOpenIncidentRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    values?: OpenFormValues,
    refusal?: RequestRefusedError,
  ) => {
    const csrf = reply.generateCsrf();
    const body = openIncidentForm(
      choices(deps),
      csrf,
      values,
      refusal && { message: refusal.message, existingIncidentId: refusal.existingIncidentId },
    );
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Open an incident', identityOf(request), body, { csrf, drill: deps.drills !== null }).text);
  };

  app.get('/incidents/new', { preHandler: requireRole('responder') }, (request, reply) => form(request, reply));

  app.post(
    '/incidents',
    { preHandler: [requireRole('responder'), app.csrfProtection] },
    async (request: FastifyRequest<{ Body: Record<string, string | undefined> }>, reply) => {
      const typed: OpenFormValues = {
        symptom: request.body?.symptom,
        runbook: request.body?.runbook,
        cause: request.body?.cause,
        service: request.body?.service,
        another: request.body?.another === 'yes',
      };
      const identity = identityOf(request);
      let opened;
      try {
        const parsed = parseForm(OpenForm, request.body ?? {});
        const prepared = prepareIncident(deps.catalog, {
          runbook: parsed.runbook,
          service: parsed.service,
          symptom: parsed.symptom!,
          suspectedCause: parsed.cause,
          trigger: 'manual',
          reporter: identity.name,
        });
        opened = await deps.health.call(() =>
          openIncident(deps.client, deps.config.RUNBOOK_TASK_QUEUE, prepared, {
            // The same symptom already has an open incident today: offer it before opening a second one.
            refuseSameSymptom: request.body?.another !== 'yes',
          }),
        );
      } catch (err) {
        if (!(err instanceof RequestRefusedError)) throw err;
        return form(request, reply.code(409), typed, err);
      }
      request.log.info(
        { incidentId: opened.incidentId, user: identity.name, issuer: identity.issuer },
        'incident opened from the console',
      );
      return reply.redirect(`/incidents/${encodeURIComponent(opened.incidentId)}`, 303);
    },
  );
}
