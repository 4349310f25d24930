// src/runbooks/kit: what every runbook needs and no runbook owns — the plans and helpers runbooks share.
import type { RemediationContext, RemediationOutcome } from '../types.ts';

/**
 * The healthy cause's plan, for every runbook: nothing to fix. A fault seen once and gone in the
 * re-checks is recorded as what was seen, never as "every probe passed".
 */
export async function closeAsFalseAlarm(ctx: RemediationContext): Promise<RemediationOutcome> {
  const seen = ctx.decision.transient;
  if (seen) {
    ctx.note(
      `Transient: triage saw ${seen}, the re-checks succeed; recorded as a transient fault (P4), nothing changed. Check monitoring if it repeats.`,
    );
    return {
      resolution: 'closed',
      summary: `Transient fault: triage saw ${seen}; the re-checks succeed, nothing was changed.`,
    };
  }
  ctx.note('Every probe passed: recorded as a false alarm (P4). Check monitoring for gaps if the alert repeats.');
  return { resolution: 'closed', summary: 'False alarm: every probe passed.' };
}
