/**
 * The rotateSecret step: a secret rotated to the newest reference a human hands over, written from
 * the mutation ledger so that it resumes after a hand-over or continue-as-new. A later rotation
 * supersedes the earlier one and the engine never rolls back to a rejected key.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  describeSecretRef,
  ErrorTypes,
  kubectlEquivalent,
  type MutationOp,
  type MutationRecord,
} from '../../contract/index.ts';
import {
  deploymentOf,
  NEXT,
  noteCurrentKey,
  numbered,
  outcome,
  render,
  repeatsOf,
  secretOp,
  type PlanRun,
  type StepResult,
} from './plan-run.ts';
import type { StepShape } from './schema.ts';

type Rotation = MutationRecord & { op: Extract<MutationOp, { kind: 'apply-secret' }> };

/** The rotations this step made in this incident, in order. */
const rotationsOf = (run: PlanRun, id: string): Rotation[] =>
  repeatsOf(run.ctx.ledger(), id).filter((m): m is Rotation => m.op.kind === 'apply-secret');

const handOver = (message: string) => ApplicationFailure.nonRetryable(message, ErrorTypes.VerificationFailed);

export async function rotateSecret(run: PlanRun, step: NonNullable<StepShape['rotateSecret']>): Promise<StepResult> {
  const { ctx } = run;
  const done = rotationsOf(run, step.id);
  const current = done.at(-1);
  if (!current) await noteCurrentKey(ctx);
  const ref = await ctx.awaitSecretRef(step.ask.id, render(run, step.ask.description));
  if (!ref) {
    if (current) throw handOver('no further secret reference was provided');
    return outcome(run, step.onMissing, `no secret reference was given for ${step.ask.id}`);
  }
  run.secrets.set(step.ask.id, ref);
  let inPlace = current?.step;
  if (!current || describeSecretRef(current.op.ref) !== describeSecretRef(ref)) {
    const n = done.length + 1;
    const id = numbered(step.id, n);
    const rotate = secretOp(run, step.secret, ref);
    const restart: MutationOp = { kind: 'rollout-restart', ...deploymentOf(ctx) };
    const approved = await ctx.approval({
      stepId: id,
      description: render(run, step.description),
      kubectl: `${kubectlEquivalent(rotate)} && ${kubectlEquivalent(restart)}`,
    });
    if (!approved) {
      if (current)
        throw handOver(
          `applying ${describeSecretRef(ref)} was rejected; ${describeSecretRef(current.op.ref)} stays in place`,
        );
      return outcome(run, step.onDecline, `${id} was declined`);
    }
    await ctx.apply(id, rotate, { purpose: 'fix' });
    await ctx.apply(numbered(step.restart, n), restart);
    if (current)
      ctx.keep(
        current.step,
        `superseded by ${id} (${describeSecretRef(ref)}); the prior value stays in the in-cluster backup secret`,
      );
    inPlace = id;
  }
  await ctx.waitForRollout();
  ctx.keep(inPlace!, render(run, step.keep));
  return NEXT;
}
