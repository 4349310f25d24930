// src/runbooks/ideogram/remediations: one plan per cause, written with the engine's primitives (approval, apply, revert, monitor).
import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { deploymentOf, FALLBACK, restartKubectl, setEnvKubectl } from '../knobs.ts';
import { ideogramSettings } from '../settings.ts';

const enableStep = (cycle: number) => (cycle === 1 ? 'enable-fallback' : `enable-fallback-${cycle}`);
const disableStep = (cycle: number) => (cycle === 1 ? 'disable-fallback' : `disable-fallback-${cycle}`);

type Deployment = ReturnType<typeof deploymentOf>;

/** The first fallback: asked (or auto-approved for a P1 by policy), applied and rolled out; an outcome when it ends the plan. */
async function enableFirstFallback(
  ctx: RemediationContext,
  deployment: Deployment,
): Promise<RemediationOutcome | null> {
  const autoApprove =
    ctx.decision.severity === 'P1' && ideogramSettings(ctx.input).autoApproveP1Fallback
      ? 'P1 outage: the policy enables fallback without waiting for a human'
      : undefined;
  const fallbackApproved = await ctx.approval({
    stepId: 'enable-fallback',
    description: `Enable fallback mode (placeholder images) on deployment/${deployment.deployment} and restart it`,
    kubectl: `${setEnvKubectl(ctx, FALLBACK, 'true')} && ${restartKubectl(ctx)}`,
    autoApproveReason: autoApprove,
  });
  if (!fallbackApproved) {
    ctx.note('Fallback rejected: users keep seeing errors until Ideogram recovers; monitoring only.');
    await ctx.monitorUntilRecovered();
    return { resolution: 'resolved', summary: 'Ideogram recovered on its own; fallback was not enabled.' };
  }
  if (!ctx.applied('enable-fallback') && ctx.providerRecovered()) {
    ctx.note(
      'Real calls already succeed again: fallback not applied (it would only serve placeholders from a healthy provider).',
    );
    return { resolution: 'resolved', summary: 'Ideogram recovered before fallback was applied; nothing changed.' };
  }
  await ctx.stage('fallback-enabled', async () => {
    await ctx.apply(
      'enable-fallback',
      { kind: 'set-env', ...deployment, name: FALLBACK, value: 'true' },
      { purpose: 'protective' },
    );
    await ctx.apply('restart-for-fallback', { kind: 'rollout-restart', ...deployment });
    await ctx.waitForRollout();
    ctx.setState('mitigated', 'fallback enabled: users get placeholder images');
  });
  return null;
}

/**
 * Once real calls succeed again, asks to turn this cycle's fallback off and does it: 'off', 'kept'
 * (a human declined: the plan ends), or 'superseded' (a real call failed again before anyone decided).
 */
async function turnFallbackOff(
  ctx: RemediationContext,
  deployment: Deployment,
  cycle: number,
): Promise<'off' | 'kept' | 'superseded'> {
  const step = enableStep(cycle);
  await ctx.monitorUntilRecovered();
  const off = await ctx.ask({
    stepId: disableStep(cycle),
    description: `Real calls to Ideogram succeed again: restore ${FALLBACK} to its recorded value and restart deployment/${deployment.deployment}`,
    kubectl: `${setEnvKubectl(ctx, FALLBACK, '<recorded value>')} && ${restartKubectl(ctx)}`,
    whileRecovered: true,
  });
  if (off === 'superseded') return 'superseded';
  if (off === 'declined') {
    ctx.keep(
      step,
      `turning fallback off was rejected (${disableStep(cycle)}): turn it off later with ${setEnvKubectl(ctx, FALLBACK, 'false')}`,
    );
    return 'kept';
  }
  ctx.setState('reverting', 'fallback off');
  await ctx.revert(step);
  await ctx.apply(`restart-after-fallback-${cycle}`, { kind: 'rollout-restart', ...deployment });
  await ctx.waitForRollout();
  return 'off';
}

/** A genuine relapse after fallback came off: re-enabled, by itself up to maxAutoRelapses, then only with a human's approval. */
async function reEnableAfterRelapse(
  ctx: RemediationContext,
  deployment: Deployment,
  cycle: number,
): Promise<RemediationOutcome | null> {
  const relapses = cycle;
  const next = enableStep(cycle + 1);
  if (relapses > ctx.input.timings.maxAutoRelapses) {
    await ctx.escalate(
      `genuine relapse ${relapses} after fallback was turned off: automatic re-enabling stops after ${ctx.input.timings.maxAutoRelapses}, a human decides`,
    );
    const again = await ctx.approval({
      stepId: next,
      description: `Ideogram relapsed again (${relapses} times): re-enable fallback`,
      kubectl: `${setEnvKubectl(ctx, FALLBACK, 'true')} && ${restartKubectl(ctx)}`,
    });
    if (!again) {
      ctx.note('Fallback stays off by decision while Ideogram relapses; monitoring until it is healthy.');
      await ctx.monitorUntilRecovered();
      return {
        resolution: 'resolved',
        summary: `Ideogram relapsed ${relapses} times; fallback was left off by decision and the provider recovered.`,
      };
    }
  } else {
    await ctx.escalate(
      `genuine relapse ${relapses} after fallback was turned off (confirmed by repeated failing real calls): fallback re-enabled, monitoring again`,
    );
  }
  await ctx.apply(next, { kind: 'set-env', ...deployment, name: FALLBACK, value: 'true' }, { purpose: 'protective' });
  await ctx.apply(`restart-for-fallback-${cycle + 1}`, { kind: 'rollout-restart', ...deployment });
  await ctx.waitForRollout();
  ctx.setState('mitigated', 'fallback re-enabled after a genuine relapse');
  return null;
}

/**
 * 500/503: fallback on, wait until real calls succeed N times in a row, fallback off, and watch:
 * a relapse confirmed by repeated failures turns fallback on again (once per genuine relapse).
 * Written from the mutation ledger, so it resumes correctly after continue-as-new or a re-triage.
 */
export async function remediateProviderOutage(ctx: RemediationContext): Promise<RemediationOutcome> {
  const deployment = deploymentOf(ctx);
  const ended = await enableFirstFallback(ctx, deployment);
  if (ended) return ended;
  for (;;) {
    const cycle = ctx.ledger().filter((m) => /^enable-fallback(-\d+)?$/.test(m.step)).length;
    if (ctx.applied(enableStep(cycle))) {
      const off = await turnFallbackOff(ctx, deployment, cycle);
      // A real call failed again before anyone decided: fallback stays, and monitoring goes on.
      if (off === 'superseded') continue;
      if (off === 'kept')
        return { resolution: 'resolved', summary: 'Ideogram recovered; fallback deliberately left on.' };
    }
    if ((await ctx.watchAfterChange()) === 'stable') {
      return {
        resolution: 'resolved',
        summary:
          'Ideogram outage: fallback served placeholder images until real calls succeeded again, then was turned off and generation stayed healthy.',
      };
    }
    const relapseEnded = await reEnableAfterRelapse(ctx, deployment, cycle);
    if (relapseEnded) return relapseEnded;
  }
}
