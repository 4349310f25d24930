import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decide, incidentStatus, signalIncident } from '../../app/incidents.ts';
import type { TemporalClient } from '../../app/temporal-client.ts';
import {
  acknowledgeSignal,
  IncidentIdSchema,
  noteSignal,
  revertWarning,
  setRootCauseSignal,
  StepIdSchema,
} from '../../contract/index.ts';
import { act } from '../../app/actions.ts';
import type { ConsoleDeps } from '../deps.ts';
import { identityOf, requireRole } from '../guard.ts';
import type { ConsoleIdentity, Role } from '../identity.ts';
import { confirmationPage, type Confirmation } from '../views/confirm.ts';
import { page } from '../views/layout.ts';
import { freeText, parseForm } from './form-input.ts';

const DecideForm = z.object({
  step: StepIdSchema,
  /** The request the page showed: an approval lands on that request or on nothing. */
  requestedAt: z
    .string()
    .max(40)
    .optional()
    .transform((r) => r || undefined),
  decision: z.enum(['approved', 'rejected']),
  comment: freeText('the comment', { required: false }),
  confirmed: z.literal('yes').optional(),
});

/** Who acts, and how the console knows (the act update records `via`; signals carry the name). */
type Who = ReturnType<typeof approvalIdentity>;
type Send = (client: TemporalClient, id: string, who: Who, text: string) => Promise<unknown>;
interface SignalAction {
  path: string;
  role: Role;
  /** The typed text's name in words, when the action carries one. */
  what?: string;
  /** Asked again on a page of its own before it is sent. */
  confirm?: (id: string, text: string, client: TemporalClient) => Promise<Omit<Confirmation, 'fields' | 'action'>>;
  send: Send;
}

/** The signal actions of an open incident: the same signals and payloads as `runbook ack|note|…`. */
const SIGNAL_ACTIONS: SignalAction[] = [
  {
    path: 'ack',
    role: 'responder',
    send: (client, id, { by }) => signalIncident(client, id, acknowledgeSignal, { by }),
  },
  {
    path: 'note',
    role: 'responder',
    what: 'the note',
    send: (client, id, { by }, text) => signalIncident(client, id, noteSignal, { by, text }),
  },
  {
    path: 'root-cause',
    role: 'responder',
    what: 'the root cause',
    send: (client, id, { by }, text) => signalIncident(client, id, setRootCauseSignal, { by, text }),
  },
  // Resolve and cancel go through the action table (an update): a state that does not allow them answers 409.
  {
    path: 'resolve',
    role: 'responder',
    what: 'the reason',
    send: (client, id, who, reason) => act(client, id, { action: 'resolve', ...who, reason }),
  },
  {
    path: 'cancel',
    role: 'responder',
    what: 'the reason',
    confirm: async (incidentId, reason, client) => ({
      incidentId,
      question: `Cancel incident ${incidentId}?`,
      consequence: `Reason: ${reason}. ${revertWarning((await incidentStatus(client, incidentId)).mutations)}`,
      confirmLabel: 'Yes, cancel the incident',
    }),
    send: (client, id, who, reason) => act(client, id, { action: 'cancel', ...who, reason }),
  },
  { path: 'verify', role: 'responder', send: (client, id, who) => act(client, id, { action: 'verify_again', ...who }) },
];
const RevertForm = z.object({ step: StepIdSchema, reason: freeText('the reason', { required: false }) });

type IdRequest = FastifyRequest<{ Params: { id: string }; Body: Record<string, string | undefined> }>;

/** The approval record names who, and how the console knows: never a name typed into a box. */
export function approvalIdentity(identity: ConsoleIdentity) {
  return {
    by: identity.name,
    via: { channel: 'console' as const, issuer: identity.issuer, subject: identity.subject },
  };
}

/** The form's own fields (no CSRF token, no confirmation), to post again from the confirm page. */
function formFields(body: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf' && e[0] !== 'confirmed',
    ),
  );
}

/**
 * State-changing requests: each checks the CSRF token and the role before anything reaches Temporal,
 * then runs under the console's deadline (deps.health): with Temporal gone, a 503 in seconds rather
 * than the client's ~20 s of retries, and a change that got no answer is said to be unknown, not failed.
 * Reject and Cancel are asked again on a confirm page first (no script needed).
 */
export function registerActionRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  registerDecideRoute(app, deps);
  registerRevertRoute(app, deps);
  for (const action of SIGNAL_ACTIONS) registerSignalAction(app, deps, action);
}

const guarded = (app: FastifyInstance, role: Role) => ({ preHandler: [requireRole(role), app.csrfProtection] });

const back = (reply: FastifyReply, id: string) => reply.redirect(`/incidents/${encodeURIComponent(id)}`, 303);

function confirmPage(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, confirmation: Confirmation) {
  const csrf = reply.generateCsrf();
  return reply.type('text/html; charset=utf-8').send(
    page('Confirm', identityOf(request), confirmationPage(confirmation, csrf), {
      csrf,
      drill: deps.drills !== null,
    }).text,
  );
}

function registerDecideRoute(app: FastifyInstance, deps: ConsoleDeps): void {
  app.post('/incidents/:id/decide', guarded(app, 'approver'), async (request: IdRequest, reply) => {
    const id = parseForm(IncidentIdSchema, request.params.id);
    const form = parseForm(DecideForm, request.body);
    if (form.decision === 'rejected' && !form.confirmed) {
      return confirmPage(deps, request, reply, {
        incidentId: id,
        action: request.url,
        question: `Reject step ${form.step} of ${id}?`,
        consequence: `The engine does not make this change${form.comment ? ` (your comment: ${form.comment})` : ''}.`,
        confirmLabel: `Yes, reject ${form.step}`,
        fields: formFields(request.body),
      });
    }
    const identity = identityOf(request);
    const message = await deps.health.call(() =>
      decide(deps.client, id, {
        stepId: form.step,
        comment: form.comment,
        decision: form.decision,
        requestedAt: form.requestedAt,
        ...approvalIdentity(identity),
      }),
    );
    request.log.info(
      {
        incidentId: id,
        stepId: form.step,
        decision: form.decision,
        user: identity.name,
        issuer: identity.issuer,
        subject: identity.subject,
      },
      message,
    );
    return back(reply, id);
  });
}

/** Reverting a chosen change while a human owns the incident changes production: approvers only. */
function registerRevertRoute(app: FastifyInstance, deps: ConsoleDeps): void {
  app.post('/incidents/:id/revert', guarded(app, 'approver'), async (request: IdRequest, reply) => {
    const id = parseForm(IncidentIdSchema, request.params.id);
    const form = parseForm(RevertForm, request.body);
    const identity = identityOf(request);
    const message = await deps.health.call(() =>
      act(deps.client, id, {
        action: 'revert_change',
        ...approvalIdentity(identity),
        step: form.step,
        ...(form.reason ? { reason: form.reason } : {}),
      }),
    );
    request.log.info({ incidentId: id, step: form.step, user: identity.name, issuer: identity.issuer }, message);
    return back(reply, id);
  });
}

function registerSignalAction(app: FastifyInstance, deps: ConsoleDeps, action: SignalAction): void {
  app.post(`/incidents/:id/${action.path}`, guarded(app, action.role), async (request: IdRequest, reply) => {
    const id = parseForm(IncidentIdSchema, request.params.id);
    const identity = identityOf(request);
    // Forms name the text `text` (note, root cause) or `reason` (resolve, cancel), as the signals do.
    const text = action.what
      ? parseForm(freeText(action.what, { required: true }), request.body.text ?? request.body.reason ?? '')!
      : '';
    if (action.confirm && request.body.confirmed !== 'yes') {
      const confirmation = await deps.health.call(() => action.confirm!(id, text, deps.client));
      return confirmPage(deps, request, reply, {
        ...confirmation,
        action: request.url,
        fields: formFields(request.body),
      });
    }
    await deps.health.call(() => action.send(deps.client, id, approvalIdentity(identity), text));
    request.log.info(
      { incidentId: id, action: action.path, user: identity.name, issuer: identity.issuer },
      'signal sent from the console',
    );
    return back(reply, id);
  });
}
