import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps } from '../deps.ts';
import { IdentityRefused } from '../oidc.ts';

/** Sign-in and sign-out: one-time local links, or OpenID Connect when an issuer is configured. */
export function registerAuthRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/login/:token', (request: FastifyRequest<{ Params: { token: string } }>, reply) => {
    // Links are a local-mode device: with an issuer configured, the provider is the only way in.
    const identity = deps.oidc ? null : deps.loginLinks.redeem(request.params.token);
    if (!identity) return reply.redirect('/login?failed=1');
    request.session.regenerate();
    request.session.set('identity', identity);
    request.session.set('sid', deps.sessions.open());
    request.log.info(
      { user: identity.name, issuer: identity.issuer, roles: identity.roles },
      'signed in with a one-time link',
    );
    return reply.redirect('/');
  });

  app.get('/auth/oidc', async (request, reply) => {
    if (!deps.oidc) return reply.redirect('/login');
    const { url, verifier, state } = await deps.oidc.start();
    request.session.set('oidc', { verifier, state });
    return reply.redirect(url);
  });

  app.get('/auth/callback', async (request, reply) => {
    const pending = request.session.get('oidc');
    if (!deps.oidc || !pending) return reply.redirect('/login');
    request.session.set('oidc', undefined);
    let identity;
    try {
      identity = await deps.oidc.finish(new URL(request.url, deps.publicUrl), pending);
    } catch (err) {
      if (!(err instanceof IdentityRefused)) throw err;
      request.log.warn({ issuer: deps.oidc.issuer, reason: err.message }, 'OIDC sign-in refused: the account name');
      return reply.code(403).type('text/plain').send(`Forbidden: ${err.message}`);
    }
    if (!identity) {
      request.log.warn({ issuer: deps.oidc.issuer }, 'OIDC sign-in refused: no console role in the roles claim');
      return reply.code(403).type('text/html').send('Forbidden: your account has no console role');
    }
    request.session.regenerate();
    request.session.set('identity', identity);
    request.session.set('sid', deps.sessions.open());
    request.log.info(
      { user: identity.name, issuer: identity.issuer, subject: identity.subject, roles: identity.roles },
      'signed in with OIDC',
    );
    return reply.redirect('/');
  });

  // Signing out ends the session on the server: a saved copy of the cookie no longer works, and
  // the session's live streams end with a "signed out" event. Without a live session there is nothing to
  // protect, so the CSRF check applies only to a live one.
  const csrfIfSignedIn = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (!request.session.get('identity')) return done();
    app.csrfProtection(request, reply, done);
  };
  app.post('/logout', { preHandler: csrfIfSignedIn }, (request, reply) => {
    const sid = request.session.get('sid');
    if (sid) deps.sessions.end(sid);
    request.session.delete();
    return reply.redirect('/login?ended=1', 303);
  });
}
