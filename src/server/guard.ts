import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasRole, type ConsoleIdentity, type Role } from './identity.ts';

export function currentIdentity(request: FastifyRequest): ConsoleIdentity | null {
  return request.session.get('identity') ?? null;
}

/**
 * A preHandler: people who are not signed in go to the login page (pages) or get 401 (anything
 * else); signed-in people without the role get 403 before the handler touches Temporal.
 */
export function requireRole(role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const identity = currentIdentity(request);
    if (!identity) {
      if (request.method === 'GET') return reply.redirect('/login');
      return reply.code(401).send('sign in first');
    }
    if (!hasRole(identity, role)) {
      request.log.warn({ user: identity.name, issuer: identity.issuer, role, url: request.url }, 'console request refused: missing role');
      return reply.code(403).type('text/html').send(`Forbidden: this needs the ${role} role`);
    }
  };
}

/** The signed-in identity inside a handler behind requireRole. */
export function identityOf(request: FastifyRequest): ConsoleIdentity {
  const identity = currentIdentity(request);
  if (!identity) throw new Error('identityOf used on a route without requireRole');
  return identity;
}
