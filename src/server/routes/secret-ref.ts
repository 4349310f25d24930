import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RequestRefusedError } from '../../app/errors.ts';
import { allowedSecretRefs, incidentService, provideSecretRef } from '../../app/secret-refs.ts';
import { IncidentIdSchema, StepIdSchema } from '../../contract/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { identityOf, requireRole } from '../guard.ts';
import { parseForm } from './form-input.ts';

const SecretRefForm = z.object({
  step: z
    .union([z.literal(''), StepIdSchema])
    .optional()
    .transform((s) => s || undefined),
  ref: z
    .string()
    .max(300)
    .optional()
    .transform((r) => r || undefined),
  otherRef: z
    .string()
    .max(300)
    .optional()
    .transform((r) => r?.trim() || undefined),
});

/**
 * Handing over a secret reference from the console: only a reference the service's catalog entry
 * allows (never a value), sent as `runbook provide-secret` sends it (src/app/secret-refs.ts).
 */
export function registerSecretRefRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.post(
    '/incidents/:id/secret-ref',
    { preHandler: [requireRole('responder'), app.csrfProtection] },
    async (request: FastifyRequest<{ Params: { id: string }; Body: Record<string, string | undefined> }>, reply) => {
      const id = parseForm(IncidentIdSchema, request.params.id);
      const form = parseForm(SecretRefForm, request.body ?? {});
      const ref = form.otherRef ?? form.ref;
      if (!ref)
        throw new RequestRefusedError('choose an allowed reference, or name one that matches an allowed pattern');
      const identity = identityOf(request);
      const sent = await deps.health.call(async () => {
        const allowed = allowedSecretRefs(deps.catalog, await incidentService(deps.client, id));
        return provideSecretRef(deps.client, id, { by: identity.name, stepId: form.step, ref, allowed });
      });
      request.log.info(
        { incidentId: id, step: form.step, ref: sent.described, user: identity.name, issuer: identity.issuer },
        'secret reference handed over from the console',
      );
      return reply.redirect(`/incidents/${encodeURIComponent(id)}`, 303);
    },
  );
}
