import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { deploymentOf, FALLBACK, restartKubectl, setEnvKubectl } from '../knobs.ts';
import { ideogramSettings } from '../settings.ts';

/** Before judgement v2 (kept for replay): 500/503: fallback on, wait out the outage, fallback off only once the provider is healthy again. */
export async function remediateProviderOutageV1(ctx: RemediationContext): Promise<RemediationOutcome> {
  const deployment = deploymentOf(ctx);
  const autoApprove = ctx.decision.severity === 'P1' && ideogramSettings(ctx.input).autoApproveP1Fallback ? 'P1 outage: the policy enables fallback without waiting for a human' : undefined;
  const fallbackApproved = await ctx.approval({
    stepId: 'enable-fallback',
    description: `Enable fallback mode (placeholder images) on deployment/${deployment.deployment} and restart it`,
    kubectl: `${setEnvKubectl(ctx, FALLBACK, 'true')} && ${restartKubectl(ctx)}`,
    autoApproveReason: autoApprove,
  });
  let fallbackStep: string | null = null;
  if (fallbackApproved) {
    fallbackStep = 'enable-fallback';
    await ctx.stage('fallback-enabled', async () => {
      await ctx.apply('enable-fallback', { kind: 'set-env', ...deployment, name: FALLBACK, value: 'true' });
      await ctx.apply('restart-for-fallback', { kind: 'rollout-restart', ...deployment });
      await ctx.waitForRollout();
      ctx.setState('mitigated', 'fallback enabled: users get placeholder images');
    });
  } else {
    ctx.note('Fallback rejected: users keep seeing errors until Ideogram recovers; monitoring only.');
  }

  for (let cycle = 1; cycle <= 3; cycle += 1) {
    await ctx.monitorUntilRecovered();
    if (!fallbackStep) return { resolution: 'resolved', summary: 'Ideogram recovered on its own; fallback was not enabled.' };
    const offApproved = await ctx.approval({
      stepId: cycle === 1 ? 'disable-fallback' : `disable-fallback-${cycle}`,
      description: `Ideogram is healthy again: restore ${FALLBACK} to its recorded value and restart deployment/${deployment.deployment}`,
      kubectl: `${setEnvKubectl(ctx, FALLBACK, '<recorded value>')} && ${restartKubectl(ctx)}`,
    });
    if (!offApproved) {
      ctx.note(`Fallback stays on by decision; turn it off later with: ${setEnvKubectl(ctx, FALLBACK, 'false')}`);
      return { resolution: 'resolved', summary: 'Ideogram recovered; fallback deliberately left on.' };
    }
    ctx.setState('reverting', 'fallback off');
    await ctx.revert(fallbackStep);
    await ctx.apply(`restart-after-fallback-${cycle}`, { kind: 'rollout-restart', ...deployment });
    await ctx.waitForRollout();
    if (await ctx.verify()) {
      return { resolution: 'resolved', summary: 'Ideogram outage: fallback served placeholder images until the provider was healthy, then was turned off and generation verified.' };
    }
    await ctx.escalate('generation still fails after fallback was turned off: fallback re-enabled, monitoring again');
    fallbackStep = `enable-fallback-${cycle + 1}`;
    await ctx.apply(fallbackStep, { kind: 'set-env', ...deployment, name: FALLBACK, value: 'true' });
    await ctx.apply(`restart-for-fallback-${cycle + 1}`, { kind: 'rollout-restart', ...deployment });
    ctx.setState('mitigated', 'fallback re-enabled after a relapse');
  }
  await ctx.escalate('the provider relapsed three times after recovery: fallback stays on, a human takes over');
  return { resolution: 'resolved', summary: 'Ideogram kept relapsing: fallback left on and handed to a human.' };
}
