import { createHash } from 'node:crypto';
import type { IncidentStatus } from '../../contract/index.ts';

/**
 * What the incident page's panel shows, as a short fingerprint. The page is rendered with one and
 * hands it to its live-events stream, so a change that lands between the render and the stream's
 * first poll still reaches the page (a form post redirects back just as its change is applied).
 * The monitor's poll counter is left out: a panel re-rendered every poll would wipe a comment being
 * typed into an approval form (the page shows the count as of its last change).
 */
export function panelVersion(status: IncidentStatus): string {
  const shown = [
    status.state,
    status.severity,
    status.owner,
    status.pendingApprovals,
    status.mutations,
    status.monitor && { healthyStreak: status.monitor.healthyStreak, required: status.monitor.required },
  ];
  return createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 16);
}
