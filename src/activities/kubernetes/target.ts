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

/** Where a secret key's prior value is kept (in-cluster, never in a record). */
export interface SecretBackup {
  secret: string;
  key: string;
}

/** A secret mutation's prior state: where the old value is kept, never the value. */
export interface SecretPrior {
  key: string;
  secretExisted: boolean;
  keyExisted: boolean;
  /** The ownership cycle's backup, restored by the last holder only. */
  backup: SecretBackup;
}

/** A secret as an owner-aware change sees it. Its values stay inside the activity. */
export interface SecretView {
  data: Record<string, string>;
  annotations: Record<string, string>;
}

/** What to write to one secret, decided from one read (values only ever travel to the cluster). */
export interface SecretEdit<T> {
  /** Keys to set (decoded) or, with `null`, remove. */
  data: Record<string, string | null>;
  annotations: Record<string, string | null>;
  /** Before the write: copy the current value of `key` into the backup Secret (when the key has a value). */
  backup?: { key: string; to: SecretBackup };
  /** In the same write: set `key` to the value kept in the backup Secret. */
  restore?: { key: string; from: SecretBackup };
  /** Delete the secret instead of patching it. */
  deleteSecret?: boolean;
  /** After the write succeeded: remove these backup keys (and the backup Secret once empty). */
  dropBackup: SecretBackup[];
  result: T;
}

/** One variable of one container to set (or, with `env: null`, remove). */
export interface EnvChange {
  container: string;
  name: string;
  env: EnvVarState | null;
}

/** A deployment as an owner-aware change sees it: its state plus its metadata annotations. */
export interface DeploymentView extends DeploymentState {
  annotations: Record<string, string>;
}

/** What to write, decided from one read: env changes and annotation changes (`null` removes). */
export interface DeploymentEdit<T> {
  env: EnvChange[];
  annotations: Record<string, string | null>;
  result: T;
}

export interface CronJobView {
  name: string;
  suspended: boolean;
  annotations: Record<string, string>;
}

export interface CronJobEdit<T> {
  /** Undefined leaves the flag as it is. */
  suspended?: boolean;
  annotations: Record<string, string | null>;
  result: T;
}

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
  /**
   * Read-decide-write as one step against concurrent writers (other workers, other incidents): reads
   * the deployment, lets `decide` (pure, may run several times) plan env and annotation changes,
   * and writes both together only if nobody wrote in between, re-reading and deciding again if
   * someone did (optimistic concurrency on the resourceVersion in a cluster).
   */
  updateDeployment<T>(
    namespace: string,
    deployment: string,
    decide: (view: DeploymentView) => DeploymentEdit<T>,
    dryRun: boolean,
  ): Promise<T>;
  /** The same for one CronJob (`undefined` when it no longer exists). */
  updateCronJob<T>(
    namespace: string,
    name: string,
    decide: (view: CronJobView | undefined) => CronJobEdit<T>,
    dryRun: boolean,
  ): Promise<T>;
  restart(namespace: string, deployment: string, at: string, dryRun: boolean): Promise<void>;
  rolloutStatus(namespace: string, deployment: string): Promise<RolloutStatus>;
  /** The decoded data of a secret, or undefined when it does not exist. Stays inside the activity. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  readSecretKey(namespace: string, name: string, key: string): Promise<string | undefined>;
  /**
   * Read-decide-write of one secret against concurrent writers, as `updateDeployment`: `decide`
   * sees `undefined` when the secret does not exist (a write then creates it; losing that race
   * is retried too). Backups are written before the guarded write and dropped after it.
   */
  updateSecret<T>(
    namespace: string,
    name: string,
    decide: (view: SecretView | undefined) => SecretEdit<T>,
    dryRun: boolean,
  ): Promise<T>;
  listCronJobs(namespace: string, selector: string): Promise<PreviousCronJobs>;
}

export function mutationMode(target: RemediationTarget, dryRun: boolean): MutationMode {
  if (target.mode === 'record-only') return 'record-only';
  return dryRun ? 'dry-run' : 'applied';
}

/** Equality-based label selectors (`a=b,c=d`), the form the runbook configuration uses. */
export function parseSelector(selector: string): Record<string, string> {
  return Object.fromEntries(
    selector
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [k, v] = part.split('=');
        return [k!.trim(), (v ?? '').trim()];
      }),
  );
}
