/** What every step of a document plan runs with: the incident, the document's settings, the references handed over, and how a step's text, change and outcome are made. */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeSecretRef,
  ErrorTypes,
  kubectlEquivalent,
  type KubeDeploymentRef,
  type MutationOp,
  type MutationRecord,
  type SecretRef,
} from '../../contract/index.ts';
import type { RemediationContext, RemediationOutcome } from '../types.ts';
import type { OutcomeShape, RunbookDocument, StepShape } from './schema.ts';

export interface PlanRun {
  doc: RunbookDocument;
  ctx: RemediationContext;
  settings: Record<string, string | number | boolean>;
  /** Secret references handed over, by askSecret step id. */
  secrets: Map<string, SecretRef>;
  /** Values a step made known to the texts after it (`{relapses}`…), by name. */
  vars: Map<string, string>;
}

/** A step either lets the plan go on or ends it (an outcome, another plan to continue with, or this plan again). */
export type StepResult = { next: true } | { end: RemediationOutcome } | { goto: string } | { startOver: true };
export const NEXT: StepResult = { next: true };

/**
 * Fills `{settings.x}` (`{settings.x|s}`: an integer setting in ms, as seconds),
 * `{service.name|namespace|deployment}`, `{secrets.<askSecret id>}` (the reference handed over,
 * never a value) and the values earlier steps made known (`{relapses}`…).
 */
export function render(run: PlanRun, text: string): string {
  const service = run.ctx.input.service;
  return text
    .replace(/\{([A-Za-z]+)\}/g, (m, name: string) => run.vars.get(name) ?? m)
    .replace(/\{secrets\.([A-Za-z0-9_-]+)\}/g, (m, id: string) => {
      const ref = run.secrets.get(id);
      return ref ? describeSecretRef(ref) : m;
    })
    .replace(/\{settings\.([A-Za-z0-9_-]+)(\|s)?\}/g, (m, name: string, seconds?: string) => {
      const value = run.settings[name];
      if (value === undefined) return m;
      // `|s`: a time in ms as people read it, in whole seconds.
      return seconds ? `${Math.round(Number(value) / 1000)} s` : String(value);
    })
    .replace(/\{service\.(name|namespace|deployment)\}/g, (_, key: string) =>
      key === 'name'
        ? service.name
        : key === 'namespace'
          ? service.kubernetes.namespace
          : service.kubernetes.deployment,
    );
}

export function deploymentOf(ctx: RemediationContext): KubeDeploymentRef {
  const k = ctx.input.service.kubernetes;
  return { namespace: k.namespace, deployment: k.deployment, ...(k.container ? { container: k.container } : {}) };
}

const PLACEHOLDER_REF: SecretRef = { kind: 'env', name: 'NEW_KEY' };

/** Writing the key behind `ref` into the document's secret object `secret`. */
export function secretOp(run: PlanRun, secret: string, ref: SecretRef): MutationOp {
  const object = run.doc.objects.secrets[secret]!;
  return {
    kind: 'apply-secret',
    namespace: run.ctx.input.service.kubernetes.namespace,
    secretName: render(run, object.name),
    key: render(run, object.key),
    ref,
  };
}

/** The change a mutating step makes, as the ledger takes it. */
export function opOf(run: PlanRun, step: StepShape): MutationOp | null {
  const d = deploymentOf(run.ctx);
  if (step.setEnv) return { kind: 'set-env', ...d, name: step.setEnv.name, value: render(run, step.setEnv.value) };
  if (step.restart) return { kind: 'rollout-restart', ...d };
  if (step.applySecret)
    return secretOp(run, step.applySecret.secret, run.secrets.get(step.applySecret.from) ?? PLACEHOLDER_REF);
  if (step.suspendCronJobs)
    return {
      kind: 'suspend-cronjobs',
      namespace: d.namespace,
      selector: render(run, run.doc.objects.cronJobs[step.suspendCronJobs.cronJobs]!.selector),
    };
  return null;
}

/** What an approval shows: the kubectl equivalent of every change its `then` makes, by the one renderer. */
export function kubectlOf(run: PlanRun, steps: readonly StepShape[]): string | undefined {
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

export function outcome(run: PlanRun, o: OutcomeShape, why: string): StepResult {
  if (o === 'continue') return NEXT;
  if (o === 'handOver') throw ApplicationFailure.nonRetryable(why, ErrorTypes.VerificationFailed);
  if ('handOver' in o) throw ApplicationFailure.nonRetryable(render(run, o.handOver), ErrorTypes.VerificationFailed);
  if ('goto' in o) return { goto: o.goto };
  if ('resolve' in o) return { end: { resolution: 'resolved', summary: render(run, o.resolve) } };
  return { end: { resolution: 'closed', summary: render(run, o.close) } };
}

export const graceOf = (run: PlanRun, g: { graceMs?: number; graceSetting?: string }) => {
  const ms = g.graceMs ?? (g.graceSetting !== undefined ? Number(run.settings[g.graceSetting]) : undefined);
  return ms !== undefined ? { graceMs: ms } : undefined;
};

/** Whether the service's current key is present, and its length: never its value. */
export async function noteCurrentKey(ctx: RemediationContext): Promise<void> {
  const ref = ctx.input.service.apiKeyRef;
  const key = await ctx.inspectSecret(ref);
  ctx.note(`Key present: ${key.present ? 'YES' : 'NO'}; key length: ${key.length} (${describeSecretRef(ref)})`);
}

/** The nth time a step repeats (a rotation, a cycle) is step `{id}-n`; the first is `{id}`. */
export const numbered = (id: string, n: number) => (n === 1 ? id : `${id}-${n}`);

/** The records of a step's change and of its numbered repeats (`{id}-2`…), in order. */
export function repeatsOf(records: readonly MutationRecord[], id: string): MutationRecord[] {
  return records.filter(
    (m) => m.step === id || (m.step.startsWith(`${id}-`) && /^\d+$/.test(m.step.slice(id.length + 1))),
  );
}
