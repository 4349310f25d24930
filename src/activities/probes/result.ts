import { excerpt, unrunnable, type ProbeResult } from '../../contract/index.ts';

const DETAIL_MAX = 160;

/** Short, single-line, and with any secret we sent cut out. */
export function sanitise(text: string, secrets: string[]): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[REDACTED]');
  return excerpt(clean, DETAIL_MAX);
}

/** A probe that could not run on our side: no statement about the provider either way. */
export const selfResult = (probe: string, blocker: string): ProbeResult => unrunnable(probe, sanitise(blocker, []));

/** A probe with nothing to call (no URL configured, no earlier probe's output): ours, not the provider's. */
export function skippedResult(probe: string, reason: string): ProbeResult {
  const { blocker: _none, ...noCall } = unrunnable(probe, '');
  return { ...noCall, detail: `skipped: ${reason}` };
}
