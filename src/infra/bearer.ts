import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === '[::1]' || host === 'localhost' || host.startsWith('127.');
}

/** Equal-length digests, so the compare takes the same time whatever the guess. */
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Why a request to a machine-facing route is refused (always 401), or null when it may proceed:
 * with a token configured it must carry `Authorization: Bearer <token>`; without one, only
 * senders on this machine are trusted. `variable` names the setting that lets others in.
 */
export function bearerRefusal(
  token: string | undefined,
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  variable: string,
): string | null {
  if (!token) {
    const peer = (remoteAddress ?? '').replace(/^::ffff:/, '');
    return isLoopback(peer) ? null : `set ${variable} to accept requests from other machines`;
  }
  const given = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (!given) return 'missing Authorization: Bearer header';
  if (!timingSafeEqual(digest(given), digest(token))) return 'wrong bearer token';
  return null;
}
