import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decide, signalIncident, startIncident } from '../../app/incidents.ts';
import { chooseService } from '../../app/service-catalog.ts';
import { catalogFromConfig } from '../../worker/service-catalog.ts';
import { requireWorker } from '../../app/workers.ts';
import { formatZodError, RequestRefusedError } from '../../app/errors.ts';
import type { Client } from '@temporalio/client';
import { acknowledgeSignal, FreeTextSchema, IncidentIdSchema, noteSignal, setRootCauseSignal, StepIdSchema } from '../../contract/index.ts';
import { act } from '../../app/actions.ts';
import { getRunbook, runbookIds } from '../../runbooks/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { identityOf, requireRole } from '../guard.ts';
import type { ConsoleIdentity, Role } from '../identity.ts';

const nonEmpty = (what: string) => FreeTextSchema.pipe(z.string().min(1, `${what} must not be empty`));

/** Form bodies are validated with the contract's own schemas: the console refuses what the CLI refuses. */
function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new RequestRefusedError(formatZodError(parsed.error, 'form'));
  return parsed.data;
}

const OpenForm = z.object({
  symptom: nonEmpty('the symptom'),
  runbook: z.string().default('ideogram'),
  cause: z.string().max(64).optional().transform((c) => c || undefined),
  service: z.string().optional().transform((s) => s || undefined),
});
const DecideForm = z.object({ step: StepIdSchema, decision: z.enum(['approved', 'rejected']), comment: FreeTextSchema.optional().transform((c) => c || undefined) });

type Send = (client: Client, id: string, by: string, text: string) => Promise<unknown>;
/** The signal actions of an open incident: the same signals and payloads as `runbook ack|note|…`. */
const SIGNAL_ACTIONS: Array<{ path: string; role: Role; what?: string; send: Send }> = [
  { path: 'ack', role: 'responder', send: (client, id, by) => signalIncident(client, id, acknowledgeSignal, { by }) },
  { path: 'note', role: 'responder', what: 'the note', send: (client, id, by, text) => signalIncident(client, id, noteSignal, { by, text }) },
  { path: 'root-cause', role: 'responder', what: 'the root cause', send: (client, id, by, text) => signalIncident(client, id, setRootCauseSignal, { by, text }) },
  // Resolve and cancel go through the action table (an update): a state that does not allow them answers 409.
  { path: 'resolve', role: 'responder', what: 'the reason', send: (client, id, by, reason) => act(client, id, { action: 'resolve', by, reason }) },
  { path: 'cancel', role: 'responder', what: 'the reason', send: (client, id, by, reason) => act(client, id, { action: 'cancel', by, reason }) },
  { path: 'verify', role: 'responder', send: (client, id, by) => act(client, id, { action: 'verify_again', by }) },
];
const RevertForm = z.object({ step: StepIdSchema, reason: FreeTextSchema.optional().transform((c) => c || undefined) });

type IdRequest = FastifyRequest<{ Params: { id: string }; Body: Record<string, string | undefined> }>;

/** The approval record names who, and how the console knows: never a name typed into a box. */
export function approvalIdentity(identity: ConsoleIdentity) {
  return { by: identity.name, via: { channel: 'console' as const, issuer: identity.issuer, subject: identity.subject } };
}

/**
 * State-changing requests: each checks the CSRF token and the role before anything reaches Temporal,
 * then runs under the console's deadline (deps.health): with Temporal gone, a 503 in seconds rather
 * than the client's ~20 s of retries, and a change that got no answer is said to be unknown, not failed.
 */
export function registerActionRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const guarded = (role: Role) => ({ preHandler: [requireRole(role), app.csrfProtection] });
  const back = (reply: FastifyReply, id: string) => reply.redirect(`/incidents/${encodeURIComponent(id)}`, 303);

  app.post('/incidents', guarded('responder'), async (request: FastifyRequest<{ Body: Record<string, string | undefined> }>, reply) => {
    const form = parse(OpenForm, request.body);
    if (!runbookIds().includes(form.runbook)) throw new RequestRefusedError(`unknown runbook "${form.runbook}"`);
    const runbook = getRunbook(form.runbook);
    if (form.cause && !Object.hasOwn(runbook.causes, form.cause)) throw new RequestRefusedError(`unknown cause "${form.cause}" for runbook ${runbook.id}`);
    const service = chooseService(catalogFromConfig(deps.config), runbook.id, form.service);
    const identity = identityOf(request);
    const handle = await deps.health.call(async () => {
      // As `runbook start`: without a worker the incident would sit unprobed.
      await requireWorker(deps.client, deps.config.RUNBOOK_TASK_QUEUE);
      return startIncident(deps.client, deps.config.RUNBOOK_TASK_QUEUE, {
        runbook: runbook.id,
        trigger: 'manual',
        reporter: identity.name,
        symptom: form.symptom,
        suspectedCause: form.cause,
        service,
      });
    });
    request.log.info({ incidentId: handle.workflowId, user: identity.name, issuer: identity.issuer }, 'incident opened from the console');
    return back(reply, handle.workflowId);
  });

  app.post('/incidents/:id/decide', guarded('approver'), async (request: IdRequest, reply) => {
    const id = parse(IncidentIdSchema, request.params.id);
    const form = parse(DecideForm, request.body);
    const identity = identityOf(request);
    const message = await deps.health.call(() => decide(deps.client, id, { stepId: form.step, comment: form.comment, decision: form.decision, ...approvalIdentity(identity) }));
    request.log.info({ incidentId: id, stepId: form.step, decision: form.decision, user: identity.name, issuer: identity.issuer, subject: identity.subject }, message);
    return back(reply, id);
  });

  // Reverting a chosen change while a human owns the incident changes production: approvers only.
  app.post('/incidents/:id/revert', guarded('approver'), async (request: IdRequest, reply) => {
    const id = parse(IncidentIdSchema, request.params.id);
    const form = parse(RevertForm, request.body);
    const identity = identityOf(request);
    const message = await deps.health.call(() => act(deps.client, id, { action: 'revert_change', by: identity.name, step: form.step, ...(form.reason ? { reason: form.reason } : {}) }));
    request.log.info({ incidentId: id, step: form.step, user: identity.name, issuer: identity.issuer }, message);
    return back(reply, id);
  });

  for (const action of SIGNAL_ACTIONS) {
    app.post(`/incidents/:id/${action.path}`, guarded(action.role), async (request: IdRequest, reply) => {
      const id = parse(IncidentIdSchema, request.params.id);
      const identity = identityOf(request);
      // Forms name the text `text` (note, root cause) or `reason` (resolve, cancel), as the signals do.
      const text = action.what ? parse(nonEmpty(action.what), request.body.text ?? request.body.reason ?? '') : '';
      await deps.health.call(() => action.send(deps.client, id, identity.name, text));
      request.log.info({ incidentId: id, action: action.path, user: identity.name, issuer: identity.issuer }, 'signal sent from the console');
      return back(reply, id);
    });
  }
}
