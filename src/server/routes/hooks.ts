import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { deliverAlert } from '../../app/alerts.ts';
import { formatZodError, RequestRefusedError } from '../../app/errors.ts';
import type { AlertSignal } from '../../contract/index.ts';
import { catalogFromConfig } from '../../worker/service-catalog.ts';
import type { ConsoleDeps } from '../deps.ts';
import { AlertmanagerPayloadSchema, alertSignalsOf } from '../intake/alertmanager.ts';
import { verifyBearer } from '../intake/bearer.ts';
import { DeliveryQueue } from '../intake/delivery-queue.ts';
import { GenericAlertSchema, genericSignalOf } from '../intake/generic.ts';
import { ReplayGuard } from '../intake/replay-guard.ts';
import { SIGNATURE_WINDOW_MS, verifySignature } from '../intake/signature.ts';
import { IntakeRefusal, targetOf } from '../intake/targets.ts';
import { hookErrorHandler } from '../intake/refusals.ts';

type RawRequest = FastifyRequest<{ Body: Buffer }>;

/** What a 503 asks the sender to wait (Alertmanager retries 5xx with its own backoff anyway). */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;
/** Retries of a failed delivery: 0.5 s, doubling, at most 8 s apart. */
const DELIVERY_BACKOFF = { initialMs: 500, maxMs: 8_000 };
/** One try's gRPC deadline: a hung connection fails the try (and is retried) instead of holding the queue forever. */
const DELIVERY_DEADLINE_MS = 15_000;

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

/**
 * Machine-facing intake (no session, no CSRF: senders authenticate otherwise). Every alert of a
 * request is checked before any is queued, so a refused request starts nothing; an accepted one
 * is answered 202 at once and delivered in order per incident, retried with backoff. The queue is
 * bounded (RUNBOOK_INTAKE_QUEUE_LIMIT): a request that does not fit is answered 503 with
 * Retry-After and nothing of it is queued. `GET /hooks/status` counts queued, delivered and failed.
 */
export async function registerHookRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const log = (app.log as Logger).child({ component: 'intake' });
  const queue = new DeliveryQueue({
    log,
    limit: deps.config.RUNBOOK_INTAKE_QUEUE_LIMIT,
    attempts: deps.config.RUNBOOK_INTAKE_DELIVERY_ATTEMPTS,
    backoff: DELIVERY_BACKOFF,
    permanent: (err) => err instanceof RequestRefusedError,
  });
  app.addHook('onClose', () => queue.drain());
  const taskQueue = deps.config.RUNBOOK_TASK_QUEUE;
  const replays = new ReplayGuard(SIGNATURE_WINDOW_MS);

  await app.register(async (hooks) => {
    // The raw bytes: signatures are over them, and malformed JSON gets the intake's own answer.
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    hooks.setErrorHandler(hookErrorHandler('intake'));

    const accept = (reply: FastifyReply, alerts: Array<{ labels: Record<string, string | undefined>; signal: AlertSignal }>) => {
      const catalog = catalogFromConfig(deps.config);
      const routed = alerts.map((a) => ({ target: targetOf(catalog, a.labels), signal: a.signal }));
      const limit = deps.config.RUNBOOK_INTAKE_QUEUE_LIMIT;
      if (routed.length > limit) throw new IntakeRefusal(413, `${routed.length} alerts in one request, more than the queue holds (RUNBOOK_INTAKE_QUEUE_LIMIT=${limit}); set Alertmanager's max_alerts below it`);
      const deliveries = routed.map(({ target, signal }) => ({
        key: `${target.runbook}/${target.service}`,
        about: { fingerprint: signal.fingerprint, status: signal.status },
        deliver: async () => deps.client.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () => deliverAlert(deps.client, taskQueue, target, signal, deps.alertTimings)),
      }));
      if (!queue.offer(deliveries)) {
        const { queued } = queue.snapshot();
        log.warn({ alerts: routed.length, queued, limit }, 'intake queue full: request refused with 503');
        reply.header('retry-after', String(QUEUE_FULL_RETRY_AFTER_SECONDS));
        return reply.code(503).send({ error: `intake queue full (${queued} of ${limit} alerts waiting for Temporal): nothing of this request was accepted; retry later` });
      }
      log.info({ alerts: routed.length, sources: [...new Set(deliveries.map((d) => d.key))] }, 'alerts accepted');
      return reply.code(202).send({ accepted: routed.length });
    };

    // Counts only (no alert content); behind the same check as the Alertmanager route.
    hooks.get('/hooks/status', async (request) => {
      verifyBearer(deps.config.RUNBOOK_INTAKE_ALERTMANAGER_TOKEN, request.headers, request.socket.remoteAddress);
      return { queue: queue.snapshot() };
    });

    hooks.post('/hooks/alertmanager', async (request: RawRequest, reply) => {
      verifyBearer(deps.config.RUNBOOK_INTAKE_ALERTMANAGER_TOKEN, request.headers, request.socket.remoteAddress);
      const payload = parseJson(AlertmanagerPayloadSchema, request.body, 'Alertmanager payload');
      return accept(reply, alertSignalsOf(payload));
    });

    hooks.post('/hooks/generic', async (request: RawRequest, reply) => {
      const signed = verifySignature(deps.config.RUNBOOK_INTAKE_HMAC_SECRET, request.headers, request.body, Date.now(), replays);
      const body = parseJson(GenericAlertSchema, request.body, 'alert');
      // Synchronous from the check to here: the same request arriving twice cannot both pass.
      const answered = accept(reply, [genericSignalOf(body)]);
      if (reply.statusCode === 202) replays.remember(signed, Date.now());
      return answered;
    });
  });
}
