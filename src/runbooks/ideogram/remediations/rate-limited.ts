import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { CONCURRENCY, deploymentOf, PROVIDER_CONTACT, REDUCED_CONCURRENCY, setEnvKubectl } from '../knobs.ts';
import { ideogramSettings } from '../settings.ts';

/** Sustained 429: concurrency down to 3, watch, ask the provider if it lasts, restore afterwards. */
export async function remediateRateLimited(ctx: RemediationContext): Promise<RemediationOutcome> {
  const deployment = deploymentOf(ctx);
  const current = await ctx.readEnv(CONCURRENCY);
  ctx.note(`Current ${CONCURRENCY}: ${current.map((c) => `${c.container}=${c.value ?? '(unset)'}`).join(', ')}`);
  const approved = await ctx.approval({
    stepId: 'reduce-concurrency',
    description: `Reduce ${CONCURRENCY} to ${REDUCED_CONCURRENCY} on deployment/${deployment.deployment} (the current value is recorded for the restore)`,
    kubectl: setEnvKubectl(ctx, CONCURRENCY, REDUCED_CONCURRENCY),
  });
  if (!approved) {
    ctx.note(
      `Concurrency unchanged by decision: 429s continue; if sustained, ask Ideogram for a higher limit (${PROVIDER_CONTACT}).`,
    );
    await ctx.monitorUntilRecovered();
    return { resolution: 'resolved', summary: 'Rate limiting subsided without a concurrency change.' };
  }
  await ctx.stage('concurrency-reduced', async () => {
    await ctx.apply(
      'reduce-concurrency',
      { kind: 'set-env', ...deployment, name: CONCURRENCY, value: REDUCED_CONCURRENCY },
      { purpose: 'protective' },
    );
    await ctx.waitForRollout();
    ctx.setState('mitigated', `${CONCURRENCY}=${REDUCED_CONCURRENCY}`);
  });
  await ctx.monitorUntilRecovered({
    escalateAfterMs: ideogramSettings(ctx.input).rateLimitWindowMs,
    escalation: `429s persist at ${CONCURRENCY}=${REDUCED_CONCURRENCY}: contact Ideogram for a limit increase (${PROVIDER_CONTACT})`,
    // The cut did not cure it within the provider's window: a human owns it, the cut stays.
    handOver: true,
  });
  const restore = await ctx.ask({
    stepId: 'restore-concurrency',
    description: `429s have stopped: restore ${CONCURRENCY} to its recorded value`,
    kubectl: setEnvKubectl(ctx, CONCURRENCY, '<recorded value>'),
    whileRecovered: true,
  });
  // 429s came back before anyone decided: the cut stays, and the plan watches again.
  if (restore === 'superseded') return remediateRateLimited(ctx);
  if (restore === 'declined') {
    ctx.keep('reduce-concurrency', `restoring ${CONCURRENCY} was rejected: left at ${REDUCED_CONCURRENCY} by decision`);
    return {
      resolution: 'resolved',
      summary: `Rate limiting over; ${CONCURRENCY} deliberately left at ${REDUCED_CONCURRENCY}.`,
    };
  }
  ctx.setState('reverting', `restore ${CONCURRENCY}`);
  await ctx.revert('reduce-concurrency');
  await ctx.waitForRollout();
  return {
    resolution: 'resolved',
    summary: `Sustained 429s: ${CONCURRENCY} reduced to ${REDUCED_CONCURRENCY} until the limit lifted, then restored.`,
  };
}
