import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';

/**
 * Causes the runbook answers with checks a human performs, not with a change: record the
 * recommendations, ask the human to confirm, close.
 */
export function advisory(stepId: string, checks: string[], resolvedSummary: string) {
  return async (ctx: RemediationContext): Promise<RemediationOutcome> => {
    for (const check of checks) ctx.note(`Check: ${check}`);
    const confirmed = await ctx.approval({
      stepId,
      description: `Confirm the checks were done and the issue is handled: ${checks.join('; ')}`,
    });
    return confirmed
      ? { resolution: 'resolved', summary: resolvedSummary }
      : { resolution: 'closed', summary: 'The recommended checks were declined; closed without confirmation.' };
  };
}

export async function closeAsSafetyRejection(ctx: RemediationContext): Promise<RemediationOutcome> {
  ctx.note(
    'Safety filter rejections (422) are a prompt issue, not an outage: review the prompts that trigger them; nothing to change in the service.',
  );
  return { resolution: 'closed', summary: 'Safety rejections: not an outage. Prompt review recommended.' };
}
