import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { IntakeRefusal } from './targets.ts';

/**
 * The error handler of a hook scope (`what`: "intake", "slack"): a refusal answers its status and
 * reason; anything else is a 500 whose details go to the log. The body is never logged: it may
 * carry tokens (alert labels and URLs, Slack's response_url).
 */
export function hookErrorHandler(what: string) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const status = err instanceof IntakeRefusal ? err.statusCode : ((err as { statusCode?: number }).statusCode ?? 500);
    if (status >= 500) request.log.error({ err, route: request.url }, `${what} request failed`);
    else request.log.warn({ route: request.url, status, reason: err.message }, `${what} request refused`);
    return reply.code(status).send({ error: status >= 500 ? 'internal error; the log says what' : err.message });
  };
}
