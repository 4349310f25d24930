/**
 * The plan interpreter: a document's plan, step by step, on the engine's primitives
 * (RemediationContext). Every step is one of the engine's library (schema.ts STEP_LIBRARY); none
 * runs a command. Re-entrant like every plan: approvals are remembered, changes are recorded per
 * step and the change block of an approval runs once per incident, so a plan that starts over
 * after continue-as-new or a re-triage repeats nothing.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes } from '../../contract/index.ts';
import { closeAsFalseAlarm } from '../kit/false-alarm.ts';
import type { MonitorOptions, RemediationContext, RemediationOutcome } from '../types.ts';
import {
  deploymentOf,
  graceOf,
  kubectlOf,
  NEXT,
  noteCurrentKey,
  opOf,
  outcome,
  render,
  type PlanRun,
  type StepResult,
} from './plan-run.ts';
import { holdUntilStable } from './plan-cycles.ts';
import { rotateSecret } from './plan-rotation.ts';
import type { RunbookDocument, StepShape, SupersededShape } from './schema.ts';
import { settingsOf } from './settings.ts';

/** Whether the policy approves the step without a human: its setting is on, for a cause of the listed severities. */
function autoApproval(run: PlanRun, step: NonNullable<StepShape['approve']>): string | undefined {
  if (step.autoApproveWhen === undefined || run.settings[step.autoApproveWhen] !== true) return undefined;
  if (step.autoApproveSeverities && !step.autoApproveSeverities.includes(run.ctx.decision.severity)) return undefined;
  return step.autoApproveReason !== undefined
    ? render(run, step.autoApproveReason)
    : `${step.autoApproveWhen} is on for this service`;
}

/** The step ids of the changes an approval's `then` makes. */
const changeIds = (steps: readonly StepShape[]) =>
  steps.flatMap((s) => [s.setEnv?.id, s.applySecret?.id, s.suspendCronJobs?.id, s.restart?.id]).filter(Boolean);

function superseded(run: PlanRun, step: NonNullable<StepShape['approve']>, then: SupersededShape): StepResult {
  return then === 'startOver'
    ? { startOver: true }
    : outcome(run, then, `${step.id} was superseded: a real call failed again before anyone decided`);
}

function monitorOptions(run: PlanRun, wait: NonNullable<StepShape['waitForRecovery']>): MonitorOptions {
  const escalateAfterMs =
    wait.escalateAfterMs ??
    (wait.escalateAfterSetting !== undefined ? Number(run.settings[wait.escalateAfterSetting]) : undefined);
  return {
    ...(escalateAfterMs !== undefined ? { escalateAfterMs } : {}),
    ...(wait.escalation !== undefined ? { escalation: render(run, wait.escalation) } : {}),
    ...(wait.handOver !== undefined ? { handOver: wait.handOver } : {}),
  };
}

async function approve(run: PlanRun, step: NonNullable<StepShape['approve']>): Promise<StepResult> {
  const then = step.then ?? [];
  const auto = autoApproval(run, step);
  const answer = await run.ctx.ask({
    stepId: step.id,
    description: render(run, step.description),
    kubectl: kubectlOf(run, then),
    ...(auto !== undefined ? { autoApproveReason: auto } : {}),
    ...(step.orRecovered ? { orRecovered: true } : {}),
    ...(step.whileRecovered ? { whileRecovered: true } : {}),
    ...(step.neverAutoApprove ? { neverAutoApprove: true } : {}),
  });
  if (answer === 'superseded' && step.onSuperseded !== undefined) return superseded(run, step, step.onSuperseded);
  if (answer !== 'approved') return outcome(run, step.onDecline, `${step.id} was declined`);
  if (step.onRecoveredFirst !== undefined && run.ctx.providerRecovered()) {
    const ids = changeIds(then);
    if (!run.ctx.ledger().some((m) => ids.includes(m.step)))
      return outcome(run, step.onRecoveredFirst, `real calls succeed again before ${step.id} changed anything`);
  }
  await run.ctx.stage(`${step.id}-applied`, async () => {
    for (const inner of then) await runStep(run, inner);
  });
  return NEXT;
}

/** Asks a human to confirm the fix and verifies it by real calls, asking again (`{id}-2`…) while they still fail. */
async function confirmFix(run: PlanRun, step: NonNullable<StepShape['confirmFix']>): Promise<StepResult> {
  for (let attempt = 1; ; attempt += 1) {
    const id = attempt === 1 ? step.id : `${step.id}-${attempt}`;
    const confirmed = await run.ctx.approval({
      stepId: id,
      description: render(run, step.description),
      ...(step.orRecovered ? { orRecovered: true } : {}),
    });
    if (!confirmed) return outcome(run, step.onDecline, `${id} was declined`);
    if (await run.ctx.verify(graceOf(run, step))) return NEXT;
    await run.ctx.escalate(render(run, step.stillFailing));
  }
}

async function runStep(run: PlanRun, step: StepShape): Promise<StepResult> {
  const { ctx } = run;
  const op = opOf(run, step);
  if (op) {
    const id = step.setEnv?.id ?? step.restart?.id ?? step.applySecret?.id ?? step.suspendCronJobs!.id;
    const purpose = step.setEnv?.purpose ?? step.applySecret?.purpose ?? step.suspendCronJobs?.purpose;
    await ctx.apply(id, op, purpose ? { purpose } : undefined);
    if (step.restart) await ctx.waitForRollout();
    return NEXT;
  }
  if (step.note !== undefined) ctx.note(render(run, step.note));
  else if (step.notify !== undefined) await ctx.escalate(render(run, step.notify));
  else if (step.approve) return approve(run, step.approve);
  else if (step.askSecret) {
    const ref = await ctx.awaitSecretRef(step.askSecret.id, render(run, step.askSecret.description));
    if (!ref) return outcome(run, step.askSecret.onMissing, `no secret reference was given for ${step.askSecret.id}`);
    run.secrets.set(step.askSecret.id, ref);
  } else if (step.inspectKey) await noteCurrentKey(ctx);
  else if (step.noteEnv) {
    const values = await ctx.readEnv(step.noteEnv.name);
    ctx.note(`Current ${step.noteEnv.name}: ${values.map((c) => `${c.container}=${c.value ?? '(unset)'}`).join(', ')}`);
  } else if (step.waitForRollout) await ctx.waitForRollout();
  else if (step.mitigated !== undefined) ctx.setState('mitigated', render(run, step.mitigated));
  else if (step.reverting !== undefined) ctx.setState('reverting', render(run, step.reverting));
  else if (step.revert) {
    const wasApplied = ctx.applied(step.revert.step);
    if (wasApplied && step.revert.reverting !== undefined)
      ctx.setState('reverting', render(run, step.revert.reverting));
    await ctx.revert(step.revert.step);
    if (wasApplied && step.revert.restart) {
      await ctx.apply(step.revert.restart, { kind: 'rollout-restart', ...deploymentOf(ctx) });
      await ctx.waitForRollout();
    }
  } else if (step.keep) ctx.keep(step.keep.step, render(run, step.keep.reason));
  else if (step.verify) {
    if (!(await ctx.verify(graceOf(run, step.verify))))
      return outcome(run, step.verify.onFail, 'real calls still fail after the change');
  } else if (step.watch) {
    if ((await ctx.watchAfterChange(graceOf(run, step.watch))) === 'relapsed')
      return outcome(run, step.watch.onRelapse, 'the fault came back after the change');
  } else if (step.confirmFix) return confirmFix(run, step.confirmFix);
  else if (step.rotateSecret) return rotateSecret(run, step.rotateSecret);
  else if (step.holdUntilStable) return holdUntilStable(run, step.holdUntilStable);
  else if (step.waitForRecovery) await ctx.monitorUntilRecovered(monitorOptions(run, step.waitForRecovery));
  else if (step.falseAlarm) return { end: await closeAsFalseAlarm(ctx) };
  else if (step.resolve !== undefined) return { end: { resolution: 'resolved', summary: render(run, step.resolve) } };
  else if (step.close !== undefined) return { end: { resolution: 'closed', summary: render(run, step.close) } };
  else if (step.goto !== undefined) return { goto: step.goto };
  return NEXT;
}

/** Runs steps until one ends the plan or leaves it; `next` when the steps ran out. */
async function runSteps(run: PlanRun, steps: readonly StepShape[]): Promise<StepResult> {
  for (const step of steps) {
    const result = await runStep(run, step);
    if (!('next' in result)) return result;
  }
  return NEXT;
}

/** Runs a plan of the document to its end (a validated plan always ends with a terminal step). */
export async function runDocumentPlan(
  doc: RunbookDocument,
  planId: string,
  ctx: RemediationContext,
): Promise<RemediationOutcome> {
  const run: PlanRun = {
    doc,
    ctx,
    settings: settingsOf(doc, ctx.input.service),
    secrets: new Map(),
    vars: new Map(),
  };
  let current: string | null = planId;
  // Validation refuses cycles, so this follows at most as many plans as the document has; a plan
  // that starts over (a request real calls overtook) waits on real calls each time round.
  for (let hops = 0; current !== null && hops <= Object.keys(doc.plans).length;) {
    const result = await runSteps(run, doc.plans[current] ?? []);
    if ('end' in result) return result.end;
    if ('goto' in result) {
      current = result.goto;
      hops += 1;
    } else if (!('startOver' in result)) current = null;
  }
  throw ApplicationFailure.nonRetryable(
    `plan ${planId} of runbook ${doc.metadata.id} ended without an outcome`,
    ErrorTypes.NoRemediationPlan,
  );
}
