import type { MutationMode } from '../../contract/index.ts';

export interface EnvVarState {
  name: string;
  value?: string;
  /** Present when the variable comes from a Secret/ConfigMap; its content is never read. */
  valueFrom?: unknown;
}

export interface ContainerState {
  name: string;
  env: EnvVarState[];
}

export interface DeploymentState {
  namespace: string;
  deployment: string;
  paused: boolean;
  generation: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  restartedAt: string | null;
  containers: ContainerState[];
}

/** Prior env of one container: `null` means the variable was absent. */
export type PreviousEnv = Array<{ container: string; previous: EnvVarState | null }>;
export type PreviousCronJobs = Array<{ name: string; suspended: boolean }>;

export interface RolloutStatus {
  done: boolean;
  failed: boolean;
  reason: string;
}

/**
 * Where remediations land: a real cluster, or a recorded model of one. The activities put the
 * bookkeeping (mutation records, kubectl equivalents, idempotence) on top of this.
 */
export interface RemediationTarget {
  readonly mode: 'kubernetes' | 'record-only';
  readDeployment(namespace: string, deployment: string): Promise<DeploymentState>;
  /** Sets (or, with `null`, removes) one variable per container; returns nothing: callers read first. */
  writeEnv(namespace: string, deployment: string, changes: Array<{ container: string; env: EnvVarState | null; name: string }>, dryRun: boolean): Promise<void>;
  restart(namespace: string, deployment: string, at: string, dryRun: boolean): Promise<void>;
  rolloutStatus(namespace: string, deployment: string): Promise<RolloutStatus>;
  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined>;
  /** Copies the secret's current data into `backupName` (once), then sets `key`. */
  writeSecretKey(namespace: string, name: string, key: string, value: string, backupName: string, dryRun: boolean): Promise<{ changed: boolean; existed: boolean }>;
  /** Restores `name` from `backupName` (or deletes the key when the secret did not exist). */
  restoreSecret(namespace: string, name: string, backupName: string, existed: boolean, dryRun: boolean): Promise<void>;
  listCronJobs(namespace: string, selector: string): Promise<PreviousCronJobs>;
  /**
   * Prior state saved before a mutation, next to the deployment it concerns, so a retried or
   * re-run activity reverts to what was there before the incident, not to its own change.
   */
  loadPriorState(namespace: string, deployment: string, mutationId: string): Promise<unknown>;
  savePriorState(namespace: string, deployment: string, mutationId: string, prior: unknown, dryRun: boolean): Promise<void>;
  clearPriorState(namespace: string, deployment: string, mutationId: string, dryRun: boolean): Promise<void>;
  setCronJobSuspended(namespace: string, name: string, suspended: boolean, dryRun: boolean): Promise<void>;
}

export function mutationMode(target: RemediationTarget, dryRun: boolean): MutationMode {
  if (target.mode === 'record-only') return 'record-only';
  return dryRun ? 'dry-run' : 'applied';
}
