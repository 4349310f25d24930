import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { deliverAlertWithin } from '../../app/alerts.ts';
import { formatZodError, RequestRefusedError } from '../../app/errors.ts';
import type { AlertSignal } from '../../contract/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { AlertmanagerPayloadSchema, alertSignalsOf } from '../intake/alertmanager.ts';
import { verifyBearer } from '../intake/bearer.ts';
import { DeliveryQueue, type DeliveryOutcome } from '../intake/delivery-queue.ts';
import { GenericAlertSchema, genericSignalOf } from '../intake/generic.ts';
import { ReplayGuard } from '../intake/replay-guard.ts';
import { SIGNATURE_WINDOW_MS, verifySignature } from '../intake/signature.ts';
import { IntakeRefusal, targetOf } from '../intake/targets.ts';
import { hookErrorHandler } from '../intake/refusals.ts';

type RawRequest = FastifyRequest<{ Body: Buffer }>;

/** What a 503 asks the sender to wait (Alertmanager retries 5xx with its own backoff anyway). */
export const RETRY_AFTER_SECONDS = 5;
/** Retries of a failed try while the request waits: 0.5 s, doubling, at most 4 s apart. */
const DELIVERY_BACKOFF = { initialMs: 500, maxMs: 4_000 };

function parseJson<T extends z.ZodType>(schema: T, raw: Buffer | undefined, what: string): z.infer<T> {
  if (!Buffer.isBuffer(raw)) throw new IntakeRefusal(400, 'a JSON body with Content-Type: application/json');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new IntakeRefusal(400, `malformed JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new IntakeRefusal(400, formatZodError(parsed.error, what));
  return parsed.data;
}

/** What the intake routes share: the service's dependencies, the delivery queue and the intake's log. */
interface Intake {
  deps: ConsoleDeps;
  queue: DeliveryQueue;
  log: Logger;
}

type RoutedAlert = { labels: Record<string, string | undefined>; signal: AlertSignal };

/**
 * Machine-facing intake (no session, no CSRF: senders authenticate otherwise). Every alert of a
 * request is checked before any is queued, so a refused request starts nothing. Accepted means
 * recorded: the answer is 202 only once Temporal has taken every alert of the request (its
 * signal-with-start or signal succeeded); otherwise 503 with Retry-After, so the sender resends —
 * nothing is acknowledged that a restart of this service could lose. Alerts of one incident are
 * delivered in arrival order; the queue (RUNBOOK_INTAKE_QUEUE_LIMIT) bounds the alerts waiting for
 * Temporal, and a request that does not fit is answered 503 at once, nothing of it tried.
 */
export async function registerHookRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<DeliveryQueue> {
  const log = (app.log as Logger).child({ component: 'intake' });
  const queue = new DeliveryQueue({
    log,
    limit: deps.config.RUNBOOK_INTAKE_QUEUE_LIMIT,
    attempts: deps.config.RUNBOOK_INTAKE_DELIVERY_ATTEMPTS,
    backoff: DELIVERY_BACKOFF,
    permanent: (err) => err instanceof RequestRefusedError,
    keepOrder: true,
  });
  app.addHook('onClose', () => queue.drain());
  const intake: Intake = { deps, queue, log };

  await app.register(async (hooks) => {
    // The raw bytes: signatures are over them, and malformed JSON gets the intake's own answer.
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    hooks.setErrorHandler(hookErrorHandler('intake'));
    registerStatusRoute(hooks, intake);
    registerAlertmanagerRoute(hooks, intake);
    registerGenericRoute(hooks, intake);
  });
  return queue;
}

/** Counts only (no alert content); behind the same check as the Alertmanager route. */
function registerStatusRoute(hooks: FastifyInstance, { deps, queue }: Intake): void {
  hooks.get('/hooks/status', async (request) => {
    verifyBearer(deps.config.RUNBOOK_INTAKE_ALERTMANAGER_TOKEN, request.headers, request.socket.remoteAddress);
    return { queue: queue.snapshot() };
  });
}

function registerAlertmanagerRoute(hooks: FastifyInstance, intake: Intake): void {
  hooks.post('/hooks/alertmanager', async (request: RawRequest, reply) => {
    verifyBearer(intake.deps.config.RUNBOOK_INTAKE_ALERTMANAGER_TOKEN, request.headers, request.socket.remoteAddress);
    const payload = parseJson(AlertmanagerPayloadSchema, request.body, 'Alertmanager payload');
    return await acceptAlerts(intake, reply, alertSignalsOf(payload));
  });
}

function registerGenericRoute(hooks: FastifyInstance, intake: Intake): void {
  const replays = new ReplayGuard(SIGNATURE_WINDOW_MS);
  hooks.post('/hooks/generic', async (request: RawRequest, reply) => {
    const signed = verifySignature(
      intake.deps.config.RUNBOOK_INTAKE_HMAC_SECRET,
      request.headers,
      request.body,
      Date.now(),
      replays,
    );
    const body = parseJson(GenericAlertSchema, request.body, 'alert');
    // Held from the check on, so the same request arriving while this one waits for Temporal is a
    // replay; released when this one is not accepted, so the sender may resend it.
    replays.remember(signed, Date.now());
    let accepted = false;
    try {
      const answered = await acceptAlerts(intake, reply, [genericSignalOf(body)]);
      accepted = reply.statusCode === 202;
      return answered;
    } finally {
      if (!accepted) replays.forget(signed);
    }
  });
}

const retryLater = (reply: FastifyReply, error: string, extra: Record<string, unknown> = {}) =>
  reply
    .code(503)
    .header('retry-after', String(RETRY_AFTER_SECONDS))
    .send({ error, ...extra });

/** Queues every alert of a request and answers once each is recorded (202), refused (422) or not yet (503). */
async function acceptAlerts(intake: Intake, reply: FastifyReply, alerts: RoutedAlert[]) {
  const { deps, queue, log } = intake;
  const routed = alerts.map((a) => ({ target: targetOf(deps.catalog, a.labels), signal: a.signal }));
  const limit = deps.config.RUNBOOK_INTAKE_QUEUE_LIMIT;
  if (routed.length > limit)
    throw new IntakeRefusal(
      413,
      `${routed.length} alerts in one request, more than the queue holds (RUNBOOK_INTAKE_QUEUE_LIMIT=${limit}); set Alertmanager's max_alerts below it`,
    );
  const tryDeadlineMs = deps.config.RUNBOOK_INTAKE_DELIVERY_TIMEOUT_MS;
  const taskQueue = deps.config.RUNBOOK_TASK_QUEUE;
  const deliveries = routed.map(({ target, signal }) => ({
    key: `${target.runbook}/${target.service}`,
    about: { fingerprint: signal.fingerprint, status: signal.status },
    deliver: () => deliverAlertWithin(tryDeadlineMs, deps.client, taskQueue, target, signal, deps.alertTimings),
  }));
  const pending = queue.offer(deliveries);
  if (!pending) {
    const { queued } = queue.snapshot();
    log.warn({ alerts: routed.length, queued, limit }, 'intake queue full: request refused with 503');
    return retryLater(
      reply,
      `intake queue full (${queued} of ${limit} alerts waiting for Temporal): nothing of this request was accepted; retry later`,
    );
  }
  const sources = [...new Set(deliveries.map((d) => d.key))];
  return answerOutcomes(reply, log, await pending, sources);
}

function answerOutcomes(reply: FastifyReply, log: Logger, outcomes: DeliveryOutcome[], sources: string[]) {
  const recorded = outcomes.filter((o) => o.delivered).length;
  const missed = outcomes.flatMap((o) => (o.delivered ? [] : [o]));
  if (missed.length === 0) {
    log.info({ alerts: recorded, sources }, 'alerts recorded');
    return reply.code(202).send({ accepted: recorded });
  }
  log.warn({ alerts: outcomes.length, recorded, sources }, 'alerts not recorded: request answered with an error');
  const transient = missed.find((o) => !o.permanent);
  // A retry can help: the sender resends the whole request (what was recorded may show twice).
  if (transient)
    return retryLater(
      reply,
      `Temporal did not record ${missed.length} of ${outcomes.length} alerts (${transient.error}); retry later`,
      { recorded },
    );
  throw new IntakeRefusal(422, `the engine refused ${missed.length} of ${outcomes.length} alerts: ${missed[0]!.error}`);
}
