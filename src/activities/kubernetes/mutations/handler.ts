import { log } from '@temporalio/activity';
import type {
  DriftChoice,
  MutationDrift,
  MutationKind,
  MutationOpOf,
  MutationRecord,
} from '../../../contract/index.ts';
import type { SecretResolverDeps } from '../../secrets.ts';
import type { RemediationTarget } from '../target.ts';

export type KnobDrift = MutationDrift['knobs'][number];

/** What every handler works with: the target the change lands on, the clock, and where secret references resolve. */
export interface MutationContext {
  target: RemediationTarget;
  now: () => string;
  secretDeps: SecretResolverDeps;
}

export interface ApplyStep {
  mutationId: string;
  dryRun: boolean;
  /** Where a human changed the knob since the engine set it (default `report`: write nothing there). */
  onDrift?: DriftChoice;
}

export interface RevertStep {
  dryRun: boolean;
  onDrift?: DriftChoice;
}

/** What one apply did, for its record. */
export interface AppliedChange<Previous> {
  previous: Previous;
  changed: boolean;
  drift: KnobDrift[];
  /** Human summary of the change, e.g. `SERVICE_FALLBACK=true`. */
  change: string;
  /** e.g. `deployment/image-service -n prod`. */
  target: string;
}

/**
 * One kind of change, whole: how it is applied, how it is put back, and the command that puts it
 * back by hand. The command that applies it is the contract's renderer (kubectlEquivalent), which
 * plans show before approval.
 */
export interface MutationHandler<K extends MutationKind, Previous = unknown> {
  /** Applies the change, idempotently, and says what was there before. */
  apply(op: MutationOpOf<K>, step: ApplyStep, ctx: MutationContext): Promise<AppliedChange<Previous>>;
  /** Puts back what `record.previous` says was there; returns the knobs a human changed since and were not restored. */
  revert(op: MutationOpOf<K>, record: MutationRecord, step: RevertStep, ctx: MutationContext): Promise<KnobDrift[]>;
  /** The command a human would type to put it back, undefined when nothing can be put back. */
  revertKubectl(op: MutationOpOf<K>, previous: Previous): string | undefined;
}

/** Logged when a revert only let go of a knob that other incidents still hold. */
export function logStillHeld(record: MutationRecord): void {
  log.info('other incidents still rely on this change: it stays until the last of them reverts', {
    mutationId: record.id,
    target: record.target,
    change: record.change,
  });
}
