import { kubectlEquivalent, type MutationOp } from '../../../contract/index.ts';
import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { ideogramSettings } from '../settings.ts';

/** 402: pause batch jobs, a human tops up, verify, resume exactly what was running. */
export async function remediateCreditsExhausted(ctx: RemediationContext): Promise<RemediationOutcome> {
  const k = { ...ctx.input.service.kubernetes, ...ideogramSettings(ctx.input) };
  const suspend: MutationOp = { kind: 'suspend-cronjobs', namespace: k.namespace, selector: k.batchSelector };
  ctx.note(
    'Top up now: log into ideogram.ai > Settings > API Beta, check the balance, raise the auto top-up amount or add credits.',
  );
  const pause = await ctx.approval({
    stepId: 'pause-batch-jobs',
    description: `Suspend the batch CronJobs matching ${k.batchSelector} until credits are back (which were already suspended is recorded)`,
    kubectl: kubectlEquivalent(suspend),
  });
  if (pause) {
    await ctx.apply('pause-batch-jobs', suspend, { purpose: 'protective' });
    ctx.setState('mitigated', 'batch jobs paused');
  } else {
    ctx.note('Batch jobs keep running by decision: they fail with 402 until credits are back.');
  }
  for (let attempt = 1; ; attempt += 1) {
    // A daily credit limit resets on its own: real calls succeeding again settle the step too.
    const confirmed = await ctx.approval({
      stepId: attempt === 1 ? 'confirm-top-up' : `confirm-top-up-${attempt}`,
      description: 'Confirm that credits were topped up (ideogram.ai > Settings > API Beta)',
      orRecovered: true,
    });
    if (!confirmed) {
      ctx.note('Top-up not confirmed: batch jobs stay paused for a human to resume.');
      if (pause)
        ctx.keep('pause-batch-jobs', 'top-up not confirmed: batch jobs stay paused until a human resumes them');
      return { resolution: 'closed', summary: 'Credits exhausted; top-up not confirmed. Batch jobs left paused.' };
    }
    if (await ctx.verify({ graceMs: ideogramSettings(ctx.input).topUpPropagationMs })) break;
    await ctx.escalate('generation still answers 402 after the confirmed top-up');
  }
  if (pause) {
    ctx.setState('reverting', 'resume batch jobs');
    await ctx.revert('pause-batch-jobs');
  }
  return {
    resolution: 'resolved',
    summary:
      'Credits exhausted: batch jobs paused, credits topped up, generation verified, batch jobs resumed as they were.',
  };
}
