import type { RemediationContext, RemediationOutcome } from '../../types.ts';
import { openAiSettings } from '../settings.ts';

/** 429 insufficient_quota: pause the batch jobs that spend quota, a human raises it, verify, resume. */
export async function handleQuotaExhausted(ctx: RemediationContext): Promise<RemediationOutcome> {
  const { batchSelector } = openAiSettings(ctx.input);
  const namespace = ctx.input.service.kubernetes.namespace;
  ctx.note('Raise the quota now: billing settings → add credit or raise the usage limit.');
  const paused = await ctx.approval({
    stepId: 'pause-batch-jobs',
    description: `Suspend the CronJobs matching ${batchSelector} while the quota is spent (those already suspended are recorded)`,
    kubectl: `kubectl get cronjob -l ${batchSelector} -n ${namespace} -o name | xargs -I{} kubectl patch {} -n ${namespace} -p '{"spec":{"suspend":true}}'`,
  });
  if (paused) {
    await ctx.apply('pause-batch-jobs', { kind: 'suspend-cronjobs', namespace, selector: batchSelector });
    ctx.setState('mitigated', 'batch jobs paused');
  }
  // Real calls succeeding again (the quota was raised, or a monthly limit reset) settle the step too.
  const raised = await ctx.approval({
    stepId: 'confirm-quota-raised',
    description: 'Confirm the quota or credit was raised',
    orRecovered: true,
  });
  if (!raised || !(await ctx.verify())) {
    if (paused) ctx.keep('pause-batch-jobs', 'quota not confirmed: batch jobs stay paused until a human resumes them');
    return { resolution: 'closed', summary: 'Quota exhausted; not confirmed raised. Handed back to a human.' };
  }
  if (paused) {
    ctx.setState('reverting', 'resume batch jobs');
    await ctx.revert('pause-batch-jobs');
  }
  return {
    resolution: 'resolved',
    summary: 'Quota exhausted: batch jobs paused, quota raised, real calls verified, batch jobs resumed as they were.',
  };
}
