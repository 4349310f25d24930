import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type ConsoleIdentity, type Role } from './identity.ts';
import { forbiddenPage, signInNeededPage } from './views/session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request carried a session cookie the server no longer honours (signed out or expired). */
    sessionEnded: boolean;
  }
}

export function currentIdentity(request: FastifyRequest): ConsoleIdentity | null {
  return request.session.get('identity') ?? null;
}

/** Where a page that needs a session sends people: the sign-in page, which brings them back afterwards. */
export function signInUrl(request: FastifyRequest): string {
  const params = new URLSearchParams();
  if (request.url !== '/') params.set('next', request.url);
  if (request.sessionEnded) params.set('ended', '1');
  return params.size ? `/login?${params.toString()}` : '/login';
}

/**
 * A preHandler: people who are not signed in go to the sign-in page (pages) or get a 401 page
 * that says so and offers sign-in (anything else); signed-in people without the role get 403
 * before the handler touches Temporal.
 */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const identity = currentIdentity(request);
    if (!identity) {
      if (request.method === 'GET') return reply.redirect(signInUrl(request));
      return reply.code(401).type('text/html; charset=utf-8').send(signInNeededPage(request.sessionEnded).text);
    }
    if (!hasRole(identity, role)) {
      request.log.warn(
        { user: identity.name, issuer: identity.issuer, role, url: request.url },
        'console request refused: missing role',
      );
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(
          forbiddenPage(`this needs the ${role} role; you are signed in as ${identity.name} (${identity.roles.at(-1)})`)
            .text,
        );
    }
  };
}

/** The signed-in identity inside a handler behind requireRole. */
export function identityOf(request: FastifyRequest): ConsoleIdentity {
  const identity = currentIdentity(request);
  if (!identity) throw new Error('identityOf used on a route without requireRole');
  return identity;
}
