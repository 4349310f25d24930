// src/server: one HTTP service (Fastify) in front of the app layer: the incident console, the alert intake (routes/hooks.ts) and Slack approvals (routes/slack.ts).
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { IncidentNotFoundError, OperationFailedError, RequestRefusedError } from '../app/errors.ts';
import { IncidentStuckError } from '../app/reported-problems.ts';
import { readIncidentView } from '../app/incident-view.ts';
import type { ConsoleIdentity } from './identity.ts';
import type { ConsoleDeps } from './deps.ts';
import { LivePollers } from './live-events.ts';
import { createConsoleMetrics } from './metrics.ts';
import { TemporalHealth, TemporalUnreachableError } from '../app/temporal-health.ts';
import { registerActionRoutes } from './routes/actions.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerDrillRoutes } from './routes/drill.ts';
import { registerHookRoutes } from './routes/hooks.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { registerOpenIncidentRoutes } from './routes/open-incident.ts';
import { registerPageRoutes } from './routes/pages.ts';
import { registerSecretRefRoutes } from './routes/secret-ref.ts';
import { registerSlackRoutes } from './routes/slack.ts';
import { registerSseRoutes } from './routes/sse.ts';
import { currentIdentity } from './guard.ts';
import { SESSION_TTL_SECONDS, SessionStore } from './sessions.ts';
import { errorPage } from './views/layout.ts';
import { keptForm } from './views/refusal.ts';

declare module '@fastify/secure-session' {
  interface SessionData {
    identity: ConsoleIdentity;
    /** The OIDC login in flight: PKCE verifier and state, kept only until the callback. */
    oidc: { verifier: string; state: string };
    /** One sign-in: live streams are counted per session. */
    sid: string;
  }
}

export interface ConsoleOptions extends Omit<ConsoleDeps, 'health' | 'live' | 'sessions'> {
  /** 32 bytes: sessions are encrypted and authenticated with it. */
  sessionKey: Buffer;
  logger: Logger;
  /** The Temporal frontend the client talks to, as people should read it in "unreachable" pages. */
  temporalAddress: string;
  /** Live events poll each watched incident this often (default 1 s). */
  livePollMs?: number;
}

/** Everything one live-events poll reads of an incident, under the console's Temporal deadline. */
function incidentReader(client: ConsoleDeps['client'], health: TemporalHealth) {
  return (id: string) =>
    health.call(async () => {
      const { running, timeline, status } = await readIncidentView(client, id, ['timeline']);
      return { running, timeline, status: running ? status : null };
    });
}

/** The console: one Fastify service, its routes grouped by concern (pages, actions, auth, live events). */
export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'console' }) as FastifyBaseLogger,
    trustProxy: false,
    forceCloseConnections: true,
  });
  await registerPlugins(app, options);
  const sessions = new SessionStore();
  registerSessionHooks(app, sessions);
  app.setErrorHandler(consoleErrorHandler);
  app.setNotFoundHandler(consoleNotFoundHandler);

  const health = new TemporalHealth(
    options.client,
    options.temporalAddress,
    options.config.RUNBOOK_CONSOLE_TEMPORAL_TIMEOUT_MS,
  );
  const live = new LivePollers({
    read: incidentReader(options.client, health),
    intervalMs: options.livePollMs ?? 1_000,
    log: app.log as Logger,
  });
  app.addHook('onClose', () => live.close());
  const deps: ConsoleDeps = { ...options, health, live, sessions };
  registerAuthRoutes(app, deps);
  registerPageRoutes(app, deps);
  registerOpenIncidentRoutes(app, deps);
  registerSecretRefRoutes(app, deps);
  registerActionRoutes(app, deps);
  registerSseRoutes(app, deps);
  // Dev mode only: without drills the routes do not exist (404).
  if (deps.drills) registerDrillRoutes(app, deps.drills);
  const queue = await registerHookRoutes(app, deps);
  await registerSlackRoutes(app, deps);
  const registry = createConsoleMetrics({
    client: options.client,
    health,
    queue,
    live,
    refreshSeconds: options.config.RUNBOOK_METRICS_REFRESH_SECONDS,
    log: app.log as Logger,
  });
  registerMetricsRoute(app, registry, options.config.RUNBOOK_METRICS_TOKEN);
  return app;
}

/** Security headers, cookies, form bodies, the encrypted session and CSRF tokens. */
async function registerPlugins(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const secure = options.publicUrl.startsWith('https:');
  await app.register(fastifyHelmet, {
    // Scripts only from this origin: no inline script can run, even if escaping ever failed.
    contentSecurityPolicy: {
      directives: {
        'script-src': ["'self'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': secure ? [] : null,
      },
    },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySecureSession, {
    key: options.sessionKey,
    cookieName: 'runbook_console',
    // Secure whenever the console is served over TLS; the local console is plain HTTP on loopback.
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_TTL_SECONDS },
    expiry: SESSION_TTL_SECONDS,
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });
}

function registerSessionHooks(app: FastifyInstance, sessions: SessionStore): void {
  app.decorateRequest('sessionEnded', false);
  // A cookie counts only while the server still holds its session: a copy saved before sign-out
  // (or past its expiry) is treated as no session at all, and is cleared.
  app.addHook('onRequest', async (request) => {
    if (request.session.get('identity') && !sessions.isLive(request.session.get('sid'))) {
      request.session.regenerate();
      request.session.delete();
      request.sessionEnded = true;
    }
  });
  // Pages carry a person's view and buttons: after sign-out, Back must ask the server again, never show a copy.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** A page that could not be read for now (Temporal slow or gone) reloads itself; a form post never does. */
const retryIn = (request: { method: string }) => (request.method === 'GET' ? 5 : undefined);

/** An error page; with `keep`, the form the person sent comes back filled in, to send again. */
function sendErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { code: number; title: string; message: string; retryInSeconds?: number; keep?: boolean },
) {
  const identity = currentIdentity(request);
  const csrf = identity ? reply.generateCsrf() : undefined;
  const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : null;
  const incidentId = /^\/incidents\/([^/]+)/.exec(request.url)?.[1];
  const extra =
    page.keep && body && csrf
      ? keptForm(request.url, body, csrf, incidentId ? decodeURIComponent(incidentId) : null)
      : undefined;
  return reply
    .code(page.code)
    .type('text/html; charset=utf-8')
    .send(errorPage(page.title, page.message, { retryInSeconds: page.retryInSeconds, identity, csrf, extra }).text);
}

/**
 * The app layer's errors are written for people: show them. A refusal conflicts with the request
 * as made; a failed operation (no worker) is the service's problem.
 */
function consoleErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const send = (code: number, title: string, message: string, more: { retryInSeconds?: number; keep?: boolean } = {}) =>
    sendErrorPage(request, reply, { code, title, message, ...more });
  if (err instanceof TemporalUnreachableError) {
    request.log.warn({ address: err.address, url: request.url }, 'console request failed: Temporal unreachable');
    reply.header('retry-after', '5');
    return send(503, 'Temporal is unreachable', err.message, { retryInSeconds: retryIn(request), keep: true });
  }
  if (err instanceof IncidentNotFoundError)
    return send(
      404,
      'No such incident',
      `There is no incident ${err.incidentId}: it may have been mistyped, or the link is from another Temporal namespace.`,
    );
  if (err instanceof RequestRefusedError) return send(409, 'Refused', err.message, { keep: true });
  // Not "right now": no retry makes it go on, only an operator does.
  if (err instanceof IncidentStuckError)
    return send(503, 'Incident stuck: needs an operator', err.message, { keep: true });
  if (err instanceof OperationFailedError)
    return send(503, 'Not possible right now', err.message, { retryInSeconds: retryIn(request), keep: true });
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  if (status >= 500) request.log.error({ err }, 'console request failed');
  return send(
    status,
    ERROR_TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Error'),
    status >= 500 ? 'Something went wrong; the log says what.' : (err as Error).message,
  );
}

/** What an error page is headed with, by status: what went wrong, in a word or two, above the why. */
const ERROR_TITLES: Readonly<Record<number, string>> = {
  400: 'Not a request the console takes',
  403: 'Forbidden',
  413: 'Too large',
  415: 'Not a form the console takes',
  429: 'Too many requests',
};

/** Browsers get a page; API clients (JSON asked for, or the API's own paths) get JSON. */
function consoleNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const wantsJson =
    /application\/json/.test(request.headers.accept ?? '') || /^\/(hooks|slack|metrics)(\/|$)/.test(request.url);
  if (wantsJson)
    return reply.code(404).send({
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      statusCode: 404,
    });
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .send(
      errorPage('Page not found', `There is no page at ${request.url.split('?')[0]}.`, {
        identity: currentIdentity(request),
      }).text,
    );
}
