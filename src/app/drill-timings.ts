/**
 * The drill's clock: seconds instead of minutes. Used by `runbook drill`, and by the alert intake
 * of `runbook dev` on its own local dev server when RUNBOOK_INTAKE_DRILL_TIMINGS is set — never by
 * a service facing production (src/server/intake/timings.ts refuses that).
 */
export const COMPRESSED_TIMINGS = {
  slaMs: { P1: 120_000, P2: 120_000, P3: 120_000, P4: 120_000 },
  escalationEveryMs: 120_000,
  updateEveryMs: { P1: 60_000, P2: 60_000, P3: 60_000, P4: null },
  pollInitialMs: 300,
  pollMaxMs: 1_500,
  pollBackoff: 1.5,
  healthyChecksRequired: 3,
  rolloutTimeoutMs: 30_000,
  pollsPerRun: 100,
  probeTimeoutMs: 3_000,
  realCheckEveryMs: 2_000,
  confirmRounds: 2,
  confirmIntervalMs: 300,
  maxAutoRelapses: 3,
};
