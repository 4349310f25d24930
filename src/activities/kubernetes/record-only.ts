import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSelector, type DeploymentState, type EnvVarState, type PreviousCronJobs, type RemediationTarget, type RolloutStatus, type SecretBackup, type SecretPrior } from './target.ts';

interface Model {
  deployments: Record<string, DeploymentState>;
  priorStates?: Record<string, unknown>;
  secrets: Record<string, Record<string, string>>;
  cronJobs: Record<string, { labels: Record<string, string>; suspended: boolean }>;
  /** Old values of rotated secret keys, as the backup Secret holds them in a cluster. */
  secretBackups?: Record<string, { prior: SecretPrior; oldValue?: string }>;
}

export interface RecordOnlySeed {
  namespace: string;
  deployment: string;
  containers?: string[];
  env?: Record<string, string>;
  cronJobs?: Array<{ name: string; labels: Record<string, string>; suspended?: boolean }>;
  /** Secrets in the same namespace, by name (values stay in the model file, like in a cluster). */
  secrets?: Record<string, Record<string, string>>;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * No cluster: every change is computed and recorded against a model of the deployment, so the
 * prior state and the revert are as real as they can be without applying anything.
 */
export class RecordOnlyTarget implements RemediationTarget {
  readonly mode = 'record-only' as const;
  private model: Model;
  private readonly file: string | undefined;

  constructor(options: { stateFile?: string; seed?: RecordOnlySeed[] } = {}) {
    this.file = options.stateFile;
    this.model = this.file && existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Model) : { deployments: {}, secrets: {}, cronJobs: {} };
    for (const seed of options.seed ?? []) this.seed(seed);
  }

  seed(seed: RecordOnlySeed): void {
    const id = key(seed.namespace, seed.deployment);
    if (!this.model.deployments[id]) {
      this.model.deployments[id] = {
        namespace: seed.namespace,
        deployment: seed.deployment,
        paused: false,
        generation: 1,
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        restartedAt: null,
        containers: (seed.containers ?? [seed.deployment]).map((name) => ({
          name,
          env: Object.entries(seed.env ?? {}).map(([n, value]) => ({ name: n, value })),
        })),
      };
    }
    for (const [name, data] of Object.entries(seed.secrets ?? {})) this.model.secrets[key(seed.namespace, name)] ??= { ...data };
    for (const job of seed.cronJobs ?? []) {
      this.model.cronJobs[key(seed.namespace, job.name)] ??= { labels: job.labels, suspended: job.suspended ?? false };
    }
    this.save();
  }

  snapshot(): Model {
    return structuredClone(this.model);
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.model, null, 2));
  }

  private deploymentOf(namespace: string, deployment: string): DeploymentState {
    const id = key(namespace, deployment);
    // An unseen deployment is modelled on first use: record-only never fails for lack of a cluster.
    this.model.deployments[id] ??= {
      namespace,
      deployment,
      paused: false,
      generation: 1,
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      restartedAt: null,
      containers: [{ name: deployment, env: [] }],
    };
    return this.model.deployments[id]!;
  }

  async readDeployment(namespace: string, deployment: string): Promise<DeploymentState> {
    return structuredClone(this.deploymentOf(namespace, deployment));
  }

  async writeEnv(namespace: string, deployment: string, changes: Array<{ container: string; env: EnvVarState | null; name: string }>, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    const state = this.deploymentOf(namespace, deployment);
    for (const change of changes) {
      const container = state.containers.find((c) => c.name === change.container);
      if (!container) continue;
      container.env = container.env.filter((e) => e.name !== change.name);
      if (change.env) container.env.push(structuredClone(change.env));
    }
    state.generation += 1;
    state.observedGeneration = state.generation;
    this.save();
  }

  async restart(namespace: string, deployment: string, at: string, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    const state = this.deploymentOf(namespace, deployment);
    state.restartedAt = at;
    state.generation += 1;
    state.observedGeneration = state.generation;
    this.save();
  }

  async rolloutStatus(): Promise<RolloutStatus> {
    return { done: true, failed: false, reason: 'record-only: nothing was rolled out' };
  }

  async readSecretKey(namespace: string, name: string, secretKey: string): Promise<string | undefined> {
    return this.model.secrets[key(namespace, name)]?.[secretKey];
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const found = this.model.secrets[key(namespace, name)];
    return found ? { ...found } : undefined;
  }

  async loadSecretBackup(namespace: string, backup: SecretBackup): Promise<SecretPrior | undefined> {
    return this.model.secretBackups?.[key(namespace, `${backup.secret}#${backup.key}`)]?.prior;
  }

  async backupSecret(namespace: string, backup: SecretBackup, prior: SecretPrior, oldValue: string | undefined, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    this.model.secretBackups ??= {};
    this.model.secretBackups[key(namespace, `${backup.secret}#${backup.key}`)] = { prior, ...(oldValue === undefined ? {} : { oldValue }) };
    this.save();
  }

  async applySecretKey(namespace: string, name: string, secretKey: string, value: string, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    this.model.secrets[key(namespace, name)] = { ...(this.model.secrets[key(namespace, name)] ?? {}), [secretKey]: value };
    this.save();
  }

  async restoreSecretKey(namespace: string, name: string, secretKey: string, prior: SecretPrior, dryRun: boolean): Promise<void> {
    const backupId = key(namespace, `${prior.backup.secret}#${prior.backup.key}`);
    const saved = this.model.secretBackups?.[backupId];
    if (dryRun || !saved) return;
    const current = this.model.secrets[key(namespace, name)];
    if (!prior.secretExisted) delete this.model.secrets[key(namespace, name)];
    else if (current && prior.keyExisted && saved.oldValue !== undefined) current[secretKey] = saved.oldValue;
    else if (current) delete current[secretKey];
    delete this.model.secretBackups![backupId];
    this.save();
  }

  async listCronJobs(namespace: string, selector: string): Promise<PreviousCronJobs> {
    const wanted = parseSelector(selector);
    return Object.entries(this.model.cronJobs)
      .filter(([id, job]) => id.startsWith(`${namespace}/`) && Object.entries(wanted).every(([k, v]) => job.labels[k] === v))
      .map(([id, job]) => ({ name: id.slice(namespace.length + 1), suspended: job.suspended }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async loadPriorState(namespace: string, deployment: string, mutationId: string): Promise<unknown> {
    return this.model.priorStates?.[`${key(namespace, deployment)}#${mutationId}`];
  }

  async savePriorState(namespace: string, deployment: string, mutationId: string, prior: unknown, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    this.model.priorStates ??= {};
    this.model.priorStates[`${key(namespace, deployment)}#${mutationId}`] = prior;
    this.save();
  }

  async clearPriorState(namespace: string, deployment: string, mutationId: string, dryRun: boolean): Promise<void> {
    if (dryRun || !this.model.priorStates) return;
    delete this.model.priorStates[`${key(namespace, deployment)}#${mutationId}`];
    this.save();
  }

  async setCronJobSuspended(namespace: string, name: string, suspended: boolean, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    const job = this.model.cronJobs[key(namespace, name)];
    if (job) job.suspended = suspended;
    this.save();
  }
}
