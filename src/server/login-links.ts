import { randomBytes } from 'node:crypto';
import type { ConsoleIdentity } from './identity.ts';

/**
 * One-time login links for the local console (no OIDC issuer): like a notebook server's token,
 * printed to whoever started the service, valid once, for a limited time.
 */
export class LoginLinks {
  private readonly pending = new Map<string, { identity: ConsoleIdentity; expires: number }>();

  private readonly ttlMs: number;

  constructor(ttlMs = 15 * 60_000) {
    this.ttlMs = ttlMs;
  }

  issue(identity: ConsoleIdentity): string {
    const token = randomBytes(24).toString('base64url');
    this.pending.set(token, { identity, expires: Date.now() + this.ttlMs });
    return token;
  }

  /** The identity behind the token, once; null when unknown, used or expired. */
  redeem(token: string): ConsoleIdentity | null {
    const entry = this.pending.get(token);
    this.pending.delete(token);
    if (!entry || entry.expires < Date.now()) return null;
    return entry.identity;
  }
}
