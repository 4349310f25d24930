import { COMPRESSED_TIMINGS } from '../../app/drill-timings.ts';
import { RequestRefusedError } from '../../app/errors.ts';
import type { AppConfig } from '../../config/index.ts';
import type { IncidentStart } from '../../contract/index.ts';

/** Where the console runs: `runbook dev` with the dev server it started itself, or anything else. */
export type IntakeMode = 'local-dev-server' | 'service';

/**
 * The timings alert incidents start with. Production timings unless RUNBOOK_INTAKE_DRILL_TIMINGS
 * is set on a `runbook dev` that runs its own local dev server; anywhere else the setting is
 * refused at start (not ignored: whoever set it must learn it is not in effect). Nothing in an
 * alert chooses: a sender can never shorten the waits of a production incident.
 */
export function alertTimings(config: AppConfig, mode: IntakeMode): IncidentStart['timings'] | undefined {
  if (!config.RUNBOOK_INTAKE_DRILL_TIMINGS) return undefined;
  if (mode !== 'local-dev-server') {
    throw new RequestRefusedError(
      'RUNBOOK_INTAKE_DRILL_TIMINGS is honoured only by `runbook dev` running its own local Temporal dev server (no TEMPORAL_ADDRESS); unset it for this service',
    );
  }
  return COMPRESSED_TIMINGS;
}
