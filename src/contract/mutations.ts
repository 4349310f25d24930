import { z } from 'zod';
import { SecretRefSchema } from './common.ts';
import { lazySchema } from './lazy-schema.ts';

export const KubeDeploymentRefSchema = lazySchema(() =>
  z.object({
    namespace: z.string().min(1),
    deployment: z.string().min(1),
    /** Only this container; all containers when absent (like `kubectl set env` without -c). */
    container: z.string().min(1).optional(),
  }),
);
export type KubeDeploymentRef = z.infer<typeof KubeDeploymentRefSchema>;

/** A change the runbook can ask for. Data only: the remediation target executes it. */
export const MutationOpSchema = lazySchema(() =>
  z.discriminatedUnion('kind', [
    KubeDeploymentRefSchema.extend({ kind: z.literal('set-env'), name: z.string().min(1), value: z.string() }),
    /** `at` is workflow time: a retried restart recognises its own annotation and does not restart twice. */
    KubeDeploymentRefSchema.extend({ kind: z.literal('rollout-restart'), at: z.string().optional() }),
    z.object({
      kind: z.literal('apply-secret'),
      namespace: z.string().min(1),
      secretName: z.string().min(1),
      key: z.string().min(1),
      /** The new value's location; the value itself never enters history. */
      ref: SecretRefSchema,
    }),
    z.object({ kind: z.literal('suspend-cronjobs'), namespace: z.string().min(1), selector: z.string().min(1) }),
  ]),
);
export type MutationOp = z.infer<typeof MutationOpSchema>;
export type MutationKind = MutationOp['kind'];
/** The change of one kind, e.g. `MutationOpOf<'set-env'>`. */
export type MutationOpOf<K extends MutationKind> = Extract<MutationOp, { kind: K }>;

export const MutationModeSchema = lazySchema(() => z.enum(['applied', 'dry-run', 'record-only']));
export type MutationMode = z.infer<typeof MutationModeSchema>;

/**
 * A knob a human changed since the engine last recorded or set it: the engine did not write it.
 * `live` and `expected` are for people: a value, `unset`, or for secrets a short digest or the
 * reference the engine wrote from, never a secret value.
 */
export const MutationDriftSchema = lazySchema(() =>
  z.object({
    at: z.string(),
    /** Found applying the change (it was not written) or reverting it (the original was not restored). */
    during: z.enum(['apply', 'revert']),
    knobs: z.array(z.object({ knob: z.string(), live: z.string(), expected: z.string() })).min(1),
  }),
);
export type MutationDrift = z.infer<typeof MutationDriftSchema>;

/**
 * What an apply or revert does where it finds drift: `report` writes nothing there and returns the
 * drift (the default: a human chooses), `overwrite` writes anyway (a human approved it), `keep`
 * leaves the human's value and lets go of the knob (a human chose it).
 */
export const DriftChoiceSchema = lazySchema(() => z.enum(['report', 'overwrite', 'keep']));
export type DriftChoice = z.infer<typeof DriftChoiceSchema>;

export const MutationRecordSchema = lazySchema(() =>
  z.object({
    /** Deterministic (workflow-assigned) so a retried activity recognises its own earlier work. */
    id: z.string(),
    step: z.string(),
    /** e.g. `deployment/image-service -n prod`. */
    target: z.string(),
    op: MutationOpSchema,
    /** Human summary of the change, e.g. `SERVICE_FALLBACK=true`. */
    change: z.string(),
    /** Prior state, enough to restore it (no secret values: secrets are backed up in-cluster). */
    previous: z.unknown(),
    appliedAt: z.string(),
    revertedAt: z.string().optional(),
    /** The command a human would have typed. */
    kubectl: z.string(),
    revertKubectl: z.string().optional(),
    mode: MutationModeSchema,
    /** False when the change was already in place (idempotent re-apply). */
    changed: z.boolean(),
    /** Deliberately left in place when the incident ended, and why (e.g. a rotated key is the fix). */
    keptBecause: z.string().optional(),
    /** Set when the last apply or revert found a value a human set and did not write over it. */
    drift: MutationDriftSchema.optional(),
    /**
     * Declared by the runbook: `protective` shields users while the provider fails (fallback) and is
     * never reverted by the engine while real calls fail; `fix` is the repair itself (a rotated key)
     * and is never rolled back by the engine, only by a human who chooses to.
     */
    purpose: z.enum(['protective', 'fix']).optional(),
  }),
);
export type MutationRecord = z.infer<typeof MutationRecordSchema>;
