import type { RemediationContext, RemediationOutcome } from '../../types.ts';
import { deploymentOf, restartKubectl, setEnvKubectl } from '../knobs.ts';

interface EnvKnobPlan {
  step: string;
  name: string;
  value: string;
  /** Why the knob is turned, for the approval and the timeline. */
  because: string;
  /** The variable is read at start only: restart the deployment after each change. */
  restart: boolean;
  summary: string;
}

/**
 * One environment knob turned while the provider misbehaves and restored when real calls succeed
 * again (fallback on, concurrency down): approval, apply, wait, approval, revert.
 */
export async function turnKnobUntilRecovered(ctx: RemediationContext, plan: EnvKnobPlan): Promise<RemediationOutcome> {
  const d = deploymentOf(ctx);
  const restart = plan.restart ? ` && ${restartKubectl(d)}` : '';
  const on = await ctx.approval({
    stepId: plan.step,
    description: `${plan.because}: set ${plan.name}=${plan.value} on deployment/${d.deployment}`,
    kubectl: `${setEnvKubectl(d, `${plan.name}=${plan.value}`)}${restart}`,
  });
  if (!on) {
    ctx.note(`${plan.name} left unchanged by decision; monitoring until the provider recovers.`);
    await ctx.monitorUntilRecovered();
    return { resolution: 'resolved', summary: `The provider recovered; ${plan.name} was not changed.` };
  }
  await ctx.stage(`${plan.step}-applied`, async () => {
    await ctx.apply(plan.step, { kind: 'set-env', ...d, name: plan.name, value: plan.value });
    if (plan.restart) await ctx.apply(`${plan.step}-restart`, { kind: 'rollout-restart', ...d });
    await ctx.waitForRollout();
    ctx.setState('mitigated', `${plan.name}=${plan.value}`);
  });
  await ctx.monitorUntilRecovered();
  const off = await ctx.approval({
    stepId: `restore-${plan.step}`,
    description: `Real calls succeed again: restore ${plan.name} to its recorded value`,
    kubectl: `${setEnvKubectl(d, `${plan.name}=<recorded value>`)}${restart}`,
  });
  if (!off) {
    ctx.keep(plan.step, `restoring ${plan.name} was declined: left at ${plan.value}`);
    return { resolution: 'resolved', summary: `${plan.summary} ${plan.name} deliberately left at ${plan.value}.` };
  }
  ctx.setState('reverting', `restore ${plan.name}`);
  await ctx.revert(plan.step);
  if (plan.restart) await ctx.apply(`${plan.step}-restart-after`, { kind: 'rollout-restart', ...d });
  await ctx.waitForRollout();
  return { resolution: 'resolved', summary: `${plan.summary} ${plan.name} restored.` };
}
