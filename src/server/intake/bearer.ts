import type { IncomingHttpHeaders } from 'node:http';
import { bearerRefusal } from '../../infra/bearer.ts';
import { IntakeRefusal } from './targets.ts';

/**
 * Alertmanager authenticates with a bearer token (its `http_config.authorization`) when one is
 * configured; without one, only senders on this machine are trusted — an unauthenticated route
 * that opens incidents must not face the network.
 */
export function verifyBearer(
  token: string | undefined,
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  variable = 'RUNBOOK_INTAKE_ALERTMANAGER_TOKEN',
): void {
  const refusal = bearerRefusal(token, headers, remoteAddress, variable);
  if (refusal) throw new IntakeRefusal(401, refusal);
}
