import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/index.ts';
import type { ConsoleIdentity } from './identity.ts';

/** Where `runbook login-link` leaves links for the local console to redeem: only the digest of each token is on disk. */
export function loginLinkDir(config: Pick<AppConfig, 'RUNBOOK_DATA_DIR'>): string {
  return join(config.RUNBOOK_DATA_DIR, 'console', 'login-links');
}

const LINK_TTL_MS = 15 * 60_000;
const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(24).toString('base64url');

/**
 * A one-time link issued by another process (`runbook login-link`) for a console on this machine
 * that shares the data directory. The file is named by the token's digest and readable by this
 * OS user only: whoever can read it could sign in as them anyway.
 */
export function issueLoginLinkFile(dir: string, identity: ConsoleIdentity, ttlMs = LINK_TTL_MS): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = newToken();
  writeFileSync(join(dir, `${digest(token)}.json`), JSON.stringify({ identity, expires: Date.now() + ttlMs }), {
    mode: 0o600,
    flag: 'wx',
  });
  return token;
}

/**
 * One-time login links for the local console (no OIDC issuer): like a notebook server's token,
 * printed to whoever started the service, valid once, for a limited time. Links issued by
 * `runbook login-link` are redeemed from `dir`.
 */
export class LoginLinks {
  private readonly pending = new Map<string, { identity: ConsoleIdentity; expires: number }>();

  private readonly ttlMs: number;
  private readonly dir: string | null;

  constructor(options: { ttlMs?: number; dir?: string | null } = {}) {
    this.ttlMs = options.ttlMs ?? LINK_TTL_MS;
    this.dir = options.dir ?? null;
  }

  issue(identity: ConsoleIdentity): string {
    const token = newToken();
    this.pending.set(token, { identity, expires: Date.now() + this.ttlMs });
    return token;
  }

  /** The identity behind the token, once; null when unknown, used or expired. */
  redeem(token: string): ConsoleIdentity | null {
    const entry = this.pending.get(token) ?? this.claimFile(token);
    this.pending.delete(token);
    if (!entry || entry.expires < Date.now()) return null;
    return entry.identity;
  }

  /** A link from `runbook login-link`: claimed by renaming its file (once, even across two consoles), then removed. */
  private claimFile(token: string): { identity: ConsoleIdentity; expires: number } | null {
    if (!this.dir || !/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
    const path = join(this.dir, `${digest(token)}.json`);
    const claimed = `${path}.${process.pid}.claimed`;
    try {
      renameSync(path, claimed);
    } catch {
      return null;
    }
    try {
      return JSON.parse(readFileSync(claimed, 'utf8')) as { identity: ConsoleIdentity; expires: number };
    } catch {
      return null;
    } finally {
      rmSync(claimed, { force: true });
    }
  }
}
