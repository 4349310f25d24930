import * as oidc from 'openid-client';
import { isLoopback } from '../infra/bearer.ts';
import { identityProblem } from '../contract/index.ts';
import { rolesFrom, type ConsoleIdentity, type Role } from './identity.ts';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The claim that lists the person's groups, e.g. `groups`. */
  rolesClaim: string;
  /** Group name → role; the highest role a person's groups grant wins. */
  groups: Record<Role, string>;
  /** The console's own callback, registered with the provider. */
  redirectUri: string;
}

/**
 * OpenID Connect login with `openid-client`: authorization code + PKCE + state, the ID token
 * validated by the library, roles read from a configurable claim.
 */
export class OidcLogin {
  private readonly config: oidc.Configuration;
  private readonly settings: OidcSettings;

  private constructor(config: oidc.Configuration, settings: OidcSettings) {
    this.config = config;
    this.settings = settings;
  }

  static async discover(settings: OidcSettings): Promise<OidcLogin> {
    const insecure = new URL(settings.issuer).protocol === 'http:';
    const config = await oidc.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
      // Plain HTTP only for an issuer on this machine (tests, a local provider); never across a network.
      execute: insecure && isLoopback(new URL(settings.issuer).hostname) ? [oidc.allowInsecureRequests] : [],
    });
    return new OidcLogin(config, settings);
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  /** Where to send the browser, and what the session must keep until the callback. */
  async start(): Promise<{ url: string; verifier: string; state: string }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url: url.href, verifier, state };
  }

  /**
   * Exchanges the code (PKCE + state checked) and turns the ID token's claims into an identity;
   * null without a console role. A name that would show as someone else's (invisible characters,
   * look-alike scripts) is refused, not cleaned: a cleaned name would be a person the provider never named.
   */
  async finish(callbackUrl: URL, pending: { verifier: string; state: string }): Promise<ConsoleIdentity | null> {
    const tokens = await oidc.authorizationCodeGrant(this.config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
    });
    const claims = tokens.claims();
    if (!claims) return null;
    const groups = claims[this.settings.rolesClaim];
    const list = Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? [groups] : [];
    const highest = (['approver', 'responder', 'viewer'] as const).find((role) =>
      list.includes(this.settings.groups[role]),
    );
    if (!highest) return null;
    const name = [claims.preferred_username, claims.email, claims.sub].find(
      (v): v is string => typeof v === 'string' && v.length > 0,
    )!;
    const problem = identityProblem(name);
    if (problem)
      throw new IdentityRefused(
        `your account name cannot identify you here: ${problem}. Ask whoever runs the identity provider to fix the name`,
      );
    return { name: name.slice(0, 64), roles: rolesFrom(highest), issuer: String(claims.iss), subject: claims.sub };
  }
}

/** A sign-in refused for the account's name: the message says why, to the person signing in. */
export class IdentityRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityRefused';
  }
}

export { isLoopback };
