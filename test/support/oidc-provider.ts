import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from '../../src/infra/ports.ts';

/** People at the identity provider, and the groups its `groups` claim lists for them. */
export const IDP_GROUPS: Record<string, string[]> = {
  erin: ['runbook-approvers'],
  vic: ['runbook-viewers'],
  mallory: ['marketing'],
  // Approvers whose name at the provider would show as someone else's (below): refused at sign-in.
  'erin-hidden': ['runbook-approvers'],
  'erin-cyrillic': ['runbook-approvers'],
};

/** preferred_username where it is not the account id: "erin" with a zero-width space, "erin" with a Cyrillic е. */
export const IDP_NAMES: Record<string, string> = {
  'erin-hidden': 'erin\u200b',
  'erin-cyrillic': '\u0435rin',
};

export interface TestIdentityProvider {
  issuer: string;
  /** Where the console that trusts this provider must listen (its redirect URI is registered). */
  consolePort: number;
  consoleUrl: string;
  /** The environment that points a console at this provider. */
  env: NodeJS.ProcessEnv;
  close(): void;
}

/**
 * A real OpenID provider in the test process (`oidc-provider`): discovery, the authorization
 * endpoint with its own login and consent pages (any password), token endpoint, signed ID tokens,
 * PKCE required. One registered client: a console on `consolePort`.
 */
export async function startIdentityProvider(): Promise<TestIdentityProvider> {
  const [idpPort, consolePort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${idpPort}`;
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'runbook-console',
        client_secret: 'console-secret',
        redirect_uris: [`${consoleUrl}/auth/callback`],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    findAccount: (_ctx, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, preferred_username: IDP_NAMES[id] ?? id, groups: IDP_GROUPS[id] ?? [] }),
    }),
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'], email: ['email'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-only-cookie-key'] },
  });
  const server: Server = provider.listen(idpPort);
  return {
    issuer,
    consolePort,
    consoleUrl,
    env: {
      RUNBOOK_OIDC_ISSUER: issuer,
      RUNBOOK_OIDC_CLIENT_ID: 'runbook-console',
      RUNBOOK_OIDC_CLIENT_SECRET: 'console-secret',
    },
    close: () => server.close(),
  };
}
