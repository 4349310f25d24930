import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySecureSession from '@fastify/secure-session';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.ts';
import { CliError } from '../cli/errors.ts';
import type { ConsoleIdentity } from './identity.ts';
import type { LoginLinks } from './login-links.ts';
import type { OidcLogin } from './oidc.ts';
import { registerActionRoutes } from './routes/actions.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerPageRoutes } from './routes/pages.ts';
import { registerSseRoutes } from './routes/sse.ts';
import { errorPage } from './views/layout.ts';

declare module '@fastify/secure-session' {
  interface SessionData {
    identity: ConsoleIdentity;
    /** The OIDC login in flight: PKCE verifier and state, kept only until the callback. */
    oidc: { verifier: string; state: string };
  }
}

/** What every route group needs: the Temporal client and the engine's configuration. */
export interface ConsoleDeps {
  client: Client;
  config: AppConfig;
  loginLinks: LoginLinks;
  /** Null: local mode, one-time login links only. */
  oidc: OidcLogin | null;
  /** Where people reach the console (redirect URIs, cookie security). */
  publicUrl: string;
}

export interface ConsoleOptions extends ConsoleDeps {
  /** 32 bytes: sessions are encrypted and authenticated with it. */
  sessionKey: Buffer;
  logger: Logger;
}

/** The console: one Fastify service, its routes grouped by concern (pages, actions, auth, live events). */
export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'console' }) as FastifyBaseLogger, trustProxy: false, forceCloseConnections: true });
  const secure = options.publicUrl.startsWith('https:');
  await app.register(fastifyHelmet, {
    // Scripts only from this origin: no inline script can run, even if escaping ever failed.
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'form-action': ["'self'"], 'upgrade-insecure-requests': secure ? [] : null } },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySecureSession, {
    key: options.sessionKey,
    cookieName: 'runbook_console',
    // Secure whenever the console is served over TLS; the local console is plain HTTP on loopback.
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 12 * 3600 },
    expiry: 12 * 3600,
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof CliError) {
      // The app layer's refusals are written for people: show them, as a conflict with the request.
      return reply.code(409).type('text/html').send(errorPage('Refused', err.message).text);
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'console request failed');
    return reply.code(status).type('text/html').send(errorPage(status === 403 ? 'Forbidden' : 'Error', status >= 500 ? 'Something went wrong; the log says what.' : (err as Error).message).text);
  });

  const deps: ConsoleDeps = options;
  registerAuthRoutes(app, deps);
  registerPageRoutes(app, deps);
  registerActionRoutes(app, deps);
  registerSseRoutes(app, deps);
  return app;
}
