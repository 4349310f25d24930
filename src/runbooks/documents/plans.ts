/**
 * The plan interpreter: a document's plan, step by step, on the engine's primitives
 * (RemediationContext). Every step is one of the engine's library (schema.ts STEP_LIBRARY); none
 * runs a command. Re-entrant like every plan: approvals are remembered, changes are recorded per
 * step and the change block of an approval runs once per incident, so a plan that starts over
 * after continue-as-new or a re-triage repeats nothing.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeSecretRef,
  ErrorTypes,
  kubectlEquivalent,
  type KubeDeploymentRef,
  type MutationOp,
  type SecretRef,
} from '../../contract/index.ts';
import { closeAsFalseAlarm } from '../kit/false-alarm.ts';
import type { RemediationContext, RemediationOutcome } from '../types.ts';
import type { OutcomeShape, RunbookDocument, StepShape } from './schema.ts';
import { settingsOf } from './settings.ts';

interface PlanRun {
  doc: RunbookDocument;
  ctx: RemediationContext;
  settings: Record<string, string | number | boolean>;
  /** Secret references handed over, by askSecret step id. */
  secrets: Map<string, SecretRef>;
}

/** A step either lets the plan go on or ends it (an outcome, or another plan to continue with). */
type StepResult = { next: true } | { end: RemediationOutcome } | { goto: string };
const NEXT: StepResult = { next: true };

/** Fills `{settings.x}`, `{service.name|namespace|deployment}` and `{secrets.<askSecret id>}` (the reference handed over, never a value). */
function render(run: PlanRun, text: string): string {
  const service = run.ctx.input.service;
  return text
    .replace(/\{secrets\.([A-Za-z0-9_-]+)\}/g, (m, id: string) => {
      const ref = run.secrets.get(id);
      return ref ? describeSecretRef(ref) : m;
    })
    .replace(/\{settings\.([A-Za-z0-9_-]+)\}/g, (m, name: string) =>
      run.settings[name] === undefined ? m : String(run.settings[name]),
    )
    .replace(/\{service\.(name|namespace|deployment)\}/g, (_, key: string) =>
      key === 'name'
        ? service.name
        : key === 'namespace'
          ? service.kubernetes.namespace
          : service.kubernetes.deployment,
    );
}

function deploymentOf(ctx: RemediationContext): KubeDeploymentRef {
  const k = ctx.input.service.kubernetes;
  return { namespace: k.namespace, deployment: k.deployment, ...(k.container ? { container: k.container } : {}) };
}

const PLACEHOLDER_REF: SecretRef = { kind: 'env', name: 'NEW_KEY' };

/** The change a mutating step makes, as the ledger takes it. */
function opOf(run: PlanRun, step: StepShape): MutationOp | null {
  const d = deploymentOf(run.ctx);
  if (step.setEnv) return { kind: 'set-env', ...d, name: step.setEnv.name, value: render(run, step.setEnv.value) };
  if (step.restart) return { kind: 'rollout-restart', ...d };
  if (step.applySecret) {
    const secret = run.doc.objects.secrets[step.applySecret.secret]!;
    return {
      kind: 'apply-secret',
      namespace: d.namespace,
      secretName: render(run, secret.name),
      key: render(run, secret.key),
      ref: run.secrets.get(step.applySecret.from) ?? PLACEHOLDER_REF,
    };
  }
  if (step.suspendCronJobs)
    return {
      kind: 'suspend-cronjobs',
      namespace: d.namespace,
      selector: render(run, run.doc.objects.cronJobs[step.suspendCronJobs.cronJobs]!.selector),
    };
  return null;
}

/** What an approval shows: the kubectl equivalent of every change its `then` makes, by the one renderer. */
function kubectlOf(run: PlanRun, steps: readonly StepShape[]): string | undefined {
  const commands = steps.flatMap((step): string[] => {
    const op = opOf(run, step);
    if (op) return [kubectlEquivalent(op)];
    if (step.revert) {
      const open = run.ctx.ledger().find((m) => m.step === step.revert!.step && !m.revertedAt);
      const restart = step.revert.restart
        ? [kubectlEquivalent({ kind: 'rollout-restart', ...deploymentOf(run.ctx) })]
        : [];
      return [...(open?.revertKubectl ? [open.revertKubectl] : []), ...restart];
    }
    return [];
  });
  return commands.length > 0 ? commands.join(' && ') : undefined;
}

function outcome(run: PlanRun, o: OutcomeShape, why: string): StepResult {
  if (o === 'continue') return NEXT;
  if (o === 'handOver') throw ApplicationFailure.nonRetryable(why, ErrorTypes.VerificationFailed);
  if ('handOver' in o) throw ApplicationFailure.nonRetryable(render(run, o.handOver), ErrorTypes.VerificationFailed);
  if ('goto' in o) return { goto: o.goto };
  if ('resolve' in o) return { end: { resolution: 'resolved', summary: render(run, o.resolve) } };
  return { end: { resolution: 'closed', summary: render(run, o.close) } };
}

const graceOf = (run: PlanRun, g: { graceMs?: number; graceSetting?: string }) => {
  const ms = g.graceMs ?? (g.graceSetting !== undefined ? Number(run.settings[g.graceSetting]) : undefined);
  return ms !== undefined ? { graceMs: ms } : undefined;
};

async function approve(run: PlanRun, step: NonNullable<StepShape['approve']>): Promise<StepResult> {
  const then = step.then ?? [];
  const auto = step.autoApproveWhen !== undefined && run.settings[step.autoApproveWhen] === true;
  const approved = await run.ctx.approval({
    stepId: step.id,
    description: render(run, step.description),
    kubectl: kubectlOf(run, then),
    ...(auto ? { autoApproveReason: `${step.autoApproveWhen} is on for this service` } : {}),
    ...(step.orRecovered ? { orRecovered: true } : {}),
    ...(step.neverAutoApprove ? { neverAutoApprove: true } : {}),
  });
  if (!approved) return outcome(run, step.onDecline, `${step.id} was declined`);
  await run.ctx.stage(`${step.id}-applied`, async () => {
    for (const inner of then) await runStep(run, inner);
  });
  return NEXT;
}

async function runStep(run: PlanRun, step: StepShape): Promise<StepResult> {
  const { ctx } = run;
  const op = opOf(run, step);
  if (op) {
    const id = step.setEnv?.id ?? step.restart?.id ?? step.applySecret?.id ?? step.suspendCronJobs!.id;
    await ctx.apply(id, op);
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
  } else if (step.inspectKey) {
    const current = await ctx.inspectSecret(ctx.input.service.apiKeyRef);
    ctx.note(
      `Current key present: ${current.present ? 'yes' : 'no'}, length ${current.length} (${describeSecretRef(ctx.input.service.apiKeyRef)})`,
    );
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
  } else if (step.waitForRecovery) await ctx.monitorUntilRecovered(step.waitForRecovery);
  else if (step.falseAlarm) return { end: await closeAsFalseAlarm(ctx) };
  else if (step.resolve !== undefined) return { end: { resolution: 'resolved', summary: render(run, step.resolve) } };
  else if (step.close !== undefined) return { end: { resolution: 'closed', summary: render(run, step.close) } };
  else if (step.goto !== undefined) return { goto: step.goto };
  return NEXT;
}

/** Runs a plan of the document to its end (a validated plan always ends with a terminal step). */
export async function runDocumentPlan(
  doc: RunbookDocument,
  planId: string,
  ctx: RemediationContext,
): Promise<RemediationOutcome> {
  const run: PlanRun = { doc, ctx, settings: settingsOf(doc, ctx.input.service), secrets: new Map() };
  let current = planId;
  // Validation refuses cycles, so this follows at most as many plans as the document has.
  for (let hops = 0; hops <= Object.keys(doc.plans).length; hops++) {
    let next: string | null = null;
    for (const step of doc.plans[current] ?? []) {
      const result = await runStep(run, step);
      if ('end' in result) return result.end;
      if ('goto' in result) {
        next = result.goto;
        break;
      }
    }
    if (next === null) break;
    current = next;
  }
  throw ApplicationFailure.nonRetryable(
    `plan ${planId} of runbook ${doc.metadata.id} ended without an outcome`,
    ErrorTypes.NoRemediationPlan,
  );
}
