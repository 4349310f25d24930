import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { deliverAlert } from '../../app/alerts.ts';
import { formatZodError } from '../../app/errors.ts';
import type { AlertSignal } from '../../contract/index.ts';
import { catalogFromConfig } from '../../worker/service-catalog.ts';
import type { ConsoleDeps } from '../deps.ts';
import { AlertmanagerPayloadSchema, alertSignalsOf } from '../intake/alertmanager.ts';
import { verifyBearer } from '../intake/bearer.ts';
import { DeliveryQueue } from '../intake/delivery-queue.ts';
import { GenericAlertSchema, genericSignalOf } from '../intake/generic.ts';
import { verifySignature } from '../intake/signature.ts';
import { IntakeRefusal, targetOf } from '../intake/targets.ts';

type RawRequest = FastifyRequest<{ Body: Buffer }>;

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
 * is answered 202 at once and delivered in order per incident.
 */
export async function registerHookRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const log = (app.log as Logger).child({ component: 'intake' });
  const queue = new DeliveryQueue(log);
  app.addHook('onClose', () => queue.drain());
  const taskQueue = deps.config.RUNBOOK_TASK_QUEUE;

  await app.register(async (hooks) => {
    // The raw bytes: signatures are over them, and malformed JSON gets the intake's own answer.
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    hooks.setErrorHandler((err: Error, request, reply) => {
      const status = err instanceof IntakeRefusal ? err.statusCode : ((err as { statusCode?: number }).statusCode ?? 500);
      // The reason only, never the body: it may carry tokens in labels or URLs.
      if (status >= 500) request.log.error({ err, route: request.url }, 'intake request failed');
      else request.log.warn({ route: request.url, status, reason: err.message }, 'intake request refused');
      return reply.code(status).send({ error: status >= 500 ? 'internal error; the log says what' : err.message });
    });

    const accept = (reply: FastifyReply, alerts: Array<{ labels: Record<string, string | undefined>; signal: AlertSignal }>) => {
      const catalog = catalogFromConfig(deps.config);
      const routed = alerts.map((a) => ({ target: targetOf(catalog, a.labels), signal: a.signal }));
      for (const { target, signal } of routed) {
        queue.enqueue(`${target.runbook}/${target.service}`, async () => ({ fingerprint: signal.fingerprint, status: signal.status, ...(await deliverAlert(deps.client, taskQueue, target, signal)) }));
      }
      log.info({ alerts: routed.length, sources: [...new Set(routed.map((r) => `${r.target.runbook}/${r.target.service}`))] }, 'alerts accepted');
      return reply.code(202).send({ accepted: routed.length });
    };

    hooks.post('/hooks/alertmanager', async (request: RawRequest, reply) => {
      verifyBearer(deps.config.RUNBOOK_INTAKE_ALERTMANAGER_TOKEN, request.headers, request.socket.remoteAddress);
      const payload = parseJson(AlertmanagerPayloadSchema, request.body, 'Alertmanager payload');
      return accept(reply, alertSignalsOf(payload));
    });

    hooks.post('/hooks/generic', async (request: RawRequest, reply) => {
      verifySignature(deps.config.RUNBOOK_INTAKE_HMAC_SECRET, request.headers, request.body, Date.now());
      const body = parseJson(GenericAlertSchema, request.body, 'alert');
      return accept(reply, [genericSignalOf(body)]);
    });
  });
}
