import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { verifyBearer } from '../intake/bearer.ts';
import { IntakeRefusal } from '../intake/targets.ts';

/**
 * `GET /metrics` in Prometheus' text format, under the rule of `/hooks/status`: a bearer token
 * (RUNBOOK_METRICS_TOKEN), or loopback scrapers only without one.
 */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry, token: string | undefined): void {
  app.get('/metrics', async (request, reply) => {
    try {
      verifyBearer(token, request.headers, request.socket.remoteAddress, 'RUNBOOK_METRICS_TOKEN');
    } catch (err) {
      if (!(err instanceof IntakeRefusal)) throw err;
      return reply.code(err.statusCode).type('text/plain; charset=utf-8').send(`${err.message}\n`);
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
