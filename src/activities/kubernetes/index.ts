// src/activities/kubernetes: the remediation activities and their targets (a real cluster or the record-only model), with owner records per knob.
import { describeSecretRef, type MutationRecord, type SecretRef } from '../../contract/index.ts';
import { inspectSecret } from '../secrets.ts';
import {
  applyMutation,
  revertMutation,
  type ApplyMutationRequest,
  type MutationContext,
  type RevertMutationRequest,
} from './mutations/index.ts';
import { readDeploymentState, waitForRollout, type RolloutWait } from './rollout.ts';
import type { RemediationTarget, SecretPrior } from './target.ts';

export interface KubeActivityDeps {
  target: RemediationTarget;
  clock: () => Date;
  /** Where `env:` secret references resolve (the worker's environment). */
  env: NodeJS.ProcessEnv;
  /** How often waitForRollout re-reads status. */
  rolloutPollMs?: number;
}

export { RecordOnlyTarget } from './record-only.ts';
export type {
  RemediationTarget,
  DeploymentState,
  PreviousEnv,
  PreviousCronJobs,
  SecretBackup,
  SecretPrior,
} from './target.ts';
export { createKubernetesTarget, type KubernetesTargetOptions } from './cluster/index.ts';
export type { ApplyMutationRequest, RevertMutationRequest } from './mutations/index.ts';

export type PreviousSecret = SecretPrior;

export function createKubernetesActivities(deps: KubeActivityDeps) {
  const { target } = deps;
  const ctx: MutationContext = {
    target,
    now: () => deps.clock().toISOString(),
    secretDeps: {
      env: deps.env,
      readKubeSecret: (namespace: string | undefined, name: string, key: string) =>
        target.readSecretKey(namespace ?? 'default', name, key),
    },
  };
  return {
    /** Applies one change, idempotently, recording what was there before. */
    applyMutation: (req: ApplyMutationRequest): Promise<MutationRecord> => applyMutation(req, ctx),

    /** Puts back exactly what the record says was there before (see revertMutation). */
    revertMutation: (req: RevertMutationRequest): Promise<MutationRecord> => revertMutation(req, ctx),

    /** `kubectl rollout status`: waits for the new ReplicaSet, heartbeating; a stuck rollout fails for good. */
    waitForRollout: (req: RolloutWait) => waitForRollout(req, deps),

    readDeploymentState: (req: { namespace: string; deployment: string }) => readDeploymentState(req, target),

    /** "Key present / Key length": never the value. */
    async inspectSecretRef(req: { ref: SecretRef }): Promise<{ present: boolean; length: number; ref: string }> {
      return { ...(await inspectSecret(req.ref, ctx.secretDeps)), ref: describeSecretRef(req.ref) };
    },
  };
}
