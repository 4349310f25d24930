// src/activities/kubernetes/mutations: one handler per kind of change, and the record each apply or revert returns.
import { log } from '@temporalio/activity';
import {
  kubectlEquivalent,
  type MutationDrift,
  type MutationKind,
  type MutationOp,
  type MutationRecord,
} from '../../../contract/index.ts';
import { mutationMode } from '../target.ts';
import { applySecretHandler } from './apply-secret.ts';
import type { ApplyStep, KnobDrift, MutationContext, MutationHandler, RevertStep } from './handler.ts';
import { rolloutRestartHandler } from './rollout-restart.ts';
import { setEnvHandler } from './set-env.ts';
import { suspendCronJobsHandler } from './suspend-cronjobs.ts';

export type { MutationContext } from './handler.ts';

/** Every kind the contract defines has its handler here: a kind without one does not compile. */
export const mutationHandlers: { [K in MutationKind]: MutationHandler<K> } = {
  'set-env': setEnvHandler,
  'rollout-restart': rolloutRestartHandler,
  'apply-secret': applySecretHandler,
  'suspend-cronjobs': suspendCronJobsHandler,
};

/** The handler of `op`'s kind (TypeScript cannot correlate the kind with its handler; the mapped type above does). */
const handlerOf = (op: MutationOp) => mutationHandlers[op.kind] as MutationHandler<MutationKind>;

export interface ApplyMutationRequest extends ApplyStep {
  step: string;
  op: MutationOp;
}

export interface RevertMutationRequest extends RevertStep {
  record: MutationRecord;
}

/** Applies one change, idempotently, recording what was there before. */
export async function applyMutation(req: ApplyMutationRequest, ctx: MutationContext): Promise<MutationRecord> {
  const { op } = req;
  const handler = handlerOf(op);
  const outcome = await handler.apply(op, req, ctx);
  const record: MutationRecord = {
    ...withDrift(outcome.drift, 'apply', ctx.now()),
    id: req.mutationId,
    step: req.step,
    target: outcome.target,
    op,
    change: outcome.change,
    previous: outcome.previous,
    appliedAt: ctx.now(),
    kubectl: kubectlEquivalent(op),
    revertKubectl: handler.revertKubectl(op, outcome.previous),
    mode: mutationMode(ctx.target, req.dryRun),
    changed: outcome.changed,
  };
  logApplied(record);
  return record;
}

/**
 * Puts back exactly what the record says was there before. Idempotent. Where a human changed the
 * knob since the engine set it, `onDrift` decides; unless it is `overwrite`, the record comes back
 * with its drift and without `revertedAt`.
 */
export async function revertMutation(req: RevertMutationRequest, ctx: MutationContext): Promise<MutationRecord> {
  const { drift: _earlier, ...record } = req.record;
  const drift = await handlerOf(record.op).revert(record.op, record, req, ctx);
  if (drift.length > 0) {
    log.warn(
      req.onDrift === 'keep'
        ? 'changed by hand since the engine set it: left as the human set it, by their choice'
        : 'changed by hand since the engine set it: not restored, a human chooses',
      { mutationId: record.id, drift },
    );
    return { ...record, ...withDrift(drift, 'revert', ctx.now()) };
  }
  const reverted = { ...record, revertedAt: ctx.now() };
  log.info('mutation reverted', { mutationId: record.id, step: record.step, target: record.target, mode: record.mode });
  return reverted;
}

const appliedMessages = {
  applied: 'mutation applied',
  'dry-run': 'mutation validated by server-side dry run: nothing persisted',
  'record-only': 'mutation recorded (record-only: nothing applied)',
} as const;

function logApplied(record: MutationRecord): void {
  log.info(appliedMessages[record.mode], {
    mutationId: record.id,
    step: record.step,
    target: record.target,
    change: record.change,
    mode: record.mode,
    changed: record.changed,
    kubectl: record.kubectl,
  });
  if (record.drift)
    log.warn('changed by hand since the engine set it: not written over, a human chooses', {
      mutationId: record.id,
      drift: record.drift.knobs,
    });
}

const withDrift = (knobs: KnobDrift[], during: MutationDrift['during'], at: string): { drift?: MutationDrift } =>
  knobs.length > 0 ? { drift: { at, during, knobs } } : {};
