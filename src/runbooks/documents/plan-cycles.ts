/**
 * The holdUntilStable step: a protective change held while the provider fails, taken off once real
 * calls succeed again, and put back on a genuine relapse (by itself up to the incident's
 * maxAutoRelapses, then only with a human's approval). Written from the mutation ledger, so it
 * resumes after continue-as-new or a re-triage: the nth time the change is made is step `{step}-n`.
 */
import { kubectlEquivalent, type MutationOp } from '../../contract/index.ts';
import { deploymentOf, NEXT, numbered, outcome, render, repeatsOf, type PlanRun, type StepResult } from './plan-run.ts';
import type { StepShape } from './schema.ts';

type Hold = NonNullable<StepShape['holdUntilStable']>;

/** Makes `{cycle}`, `{restoreStep}`, `{relapses}` and `{maxAutoRelapses}` known to this step's texts and the plan's later ones. */
function renderCycle(run: PlanRun, hold: Hold, text: string, cycle: number): string {
  run.vars.set('cycle', String(cycle));
  run.vars.set('restoreStep', numbered(hold.restore.id, cycle));
  run.vars.set('relapses', String(cycle));
  run.vars.set('maxAutoRelapses', String(run.ctx.input.timings.maxAutoRelapses));
  return render(run, text);
}

/** Once real calls succeed again, asks to take this cycle's change off and does it. */
async function takeOff(
  run: PlanRun,
  hold: Hold,
  cycle: number,
): Promise<'off' | 'superseded' | { result: StepResult }> {
  const { ctx } = run;
  const changed = numbered(hold.step, cycle);
  const restart: MutationOp = { kind: 'rollout-restart', ...deploymentOf(ctx) };
  await ctx.monitorUntilRecovered();
  const open = ctx.ledger().find((m) => m.step === changed && !m.revertedAt);
  const off = await ctx.ask({
    stepId: numbered(hold.restore.id, cycle),
    description: renderCycle(run, hold, hold.restore.description, cycle),
    kubectl: [...(open?.revertKubectl ? [open.revertKubectl] : []), kubectlEquivalent(restart)].join(' && '),
    whileRecovered: true,
  });
  if (off === 'superseded') return 'superseded';
  if (off === 'declined') {
    ctx.keep(changed, renderCycle(run, hold, hold.restore.keep, cycle));
    return { result: outcome(run, hold.restore.onDecline, `${numbered(hold.restore.id, cycle)} was declined`) };
  }
  ctx.setState('reverting', renderCycle(run, hold, hold.restore.reverting, cycle));
  await ctx.revert(changed);
  await ctx.apply(`${hold.restore.restart}-${cycle}`, restart);
  await ctx.waitForRollout();
  return 'off';
}

/** A genuine relapse after the change came off: made again, by itself up to maxAutoRelapses, then with approval. */
async function putBack(run: PlanRun, hold: Hold, cycle: number, change: MutationOp): Promise<StepResult | null> {
  const { ctx } = run;
  const next = numbered(hold.step, cycle + 1);
  const restart: MutationOp = { kind: 'rollout-restart', ...deploymentOf(ctx) };
  if (cycle > ctx.input.timings.maxAutoRelapses) {
    await ctx.escalate(renderCycle(run, hold, hold.relapse.overLimit, cycle));
    const again = await ctx.approval({
      stepId: next,
      description: renderCycle(run, hold, hold.relapse.description, cycle),
      kubectl: `${kubectlEquivalent(change)} && ${kubectlEquivalent(restart)}`,
    });
    if (!again) return outcome(run, hold.relapse.onDecline, `${next} was declined`);
  } else {
    await ctx.escalate(renderCycle(run, hold, hold.relapse.escalation, cycle));
  }
  await ctx.apply(next, change, { purpose: 'protective' });
  await ctx.apply(numbered(hold.restart, cycle + 1), restart);
  await ctx.waitForRollout();
  ctx.setState('mitigated', renderCycle(run, hold, hold.relapse.mitigated, cycle));
  return null;
}

export async function holdUntilStable(run: PlanRun, hold: Hold): Promise<StepResult> {
  const { ctx } = run;
  for (;;) {
    const made = repeatsOf(ctx.ledger(), hold.step);
    const first = made[0];
    // The change was never made (declined or already unnecessary): nothing to hold.
    if (!first) return NEXT;
    const cycle = made.length;
    if (ctx.applied(numbered(hold.step, cycle))) {
      const off = await takeOff(run, hold, cycle);
      // A real call failed again before anyone decided: the change stays, and monitoring goes on.
      if (off === 'superseded') continue;
      if (off !== 'off') return off.result;
    }
    if ((await ctx.watchAfterChange()) === 'stable') return NEXT;
    const ended = await putBack(run, hold, cycle, first.op);
    if (ended) return ended;
  }
}
