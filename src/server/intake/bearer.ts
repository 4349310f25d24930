import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from '../oidc.ts';
import { IntakeRefusal } from './targets.ts';

/** Equal-length digests, so the compare takes the same time whatever the guess. */
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Alertmanager authenticates with a bearer token (its `http_config.authorization`) when one is
 * configured; without one, only senders on this machine are trusted — an unauthenticated route
 * that opens incidents must not face the network.
 */
export function verifyBearer(token: string | undefined, headers: IncomingHttpHeaders, remoteAddress: string | undefined): void {
  if (!token) {
    const peer = (remoteAddress ?? '').replace(/^::ffff:/, '');
    if (!isLoopback(peer)) throw new IntakeRefusal(401, 'set RUNBOOK_INTAKE_ALERTMANAGER_TOKEN to accept alerts from other machines');
    return;
  }
  const given = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (!given) throw new IntakeRefusal(401, 'missing Authorization: Bearer header');
  if (!timingSafeEqual(digest(given), digest(token))) throw new IntakeRefusal(401, 'wrong bearer token');
}
