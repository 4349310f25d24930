import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { withFileLock } from './file-lock.ts';
import {
  parseSelector,
  type CronJobEdit,
  type CronJobView,
  type DeploymentEdit,
  type DeploymentState,
  type DeploymentView,
  type EnvChange,
  type PreviousCronJobs,
  type RemediationTarget,
  type RolloutStatus,
  type SecretBackup,
  type SecretEdit,
  type SecretView,
} from './target.ts';

interface Model {
  deployments: Record<string, DeploymentState>;
  /** Deployment metadata annotations (owner records), by `namespace/name`. */
  annotations?: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, string>>;
  cronJobs: Record<
    string,
    { labels: Record<string, string>; suspended: boolean; annotations?: Record<string, string> }
  >;
  /** Secret metadata annotations (owner records), by `namespace/name`. */
  secretAnnotations?: Record<string, Record<string, string>>;
  /** Old values of rotated secret keys, as the backup Secret holds them in a cluster, by `namespace/<backup secret>#<key>`. */
  secretBackups?: Record<string, { oldValue?: string }>;
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

function applyAnnotations(target: Record<string, string>, changes: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete target[name];
    else target[name] = value;
  }
}

/**
 * No cluster: every change is computed and recorded against a model of the deployment, so the
 * prior state and the revert are as real as they can be without applying anything. With a state
 * file, every change re-reads the file and writes it back under a lock on it, so activities running
 * at once (in this process or in another worker on the same file) never lose each other's writes.
 */
export class RecordOnlyTarget implements RemediationTarget {
  readonly mode = 'record-only' as const;
  private model: Model;
  private readonly file: string | undefined;

  constructor(options: { stateFile?: string; seed?: RecordOnlySeed[] } = {}) {
    this.file = options.stateFile;
    this.model = this.load() ?? { deployments: {}, secrets: {}, cronJobs: {} };
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
    for (const [name, data] of Object.entries(seed.secrets ?? {}))
      this.model.secrets[key(seed.namespace, name)] ??= { ...data };
    for (const job of seed.cronJobs ?? []) {
      this.model.cronJobs[key(seed.namespace, job.name)] ??= { labels: job.labels, suspended: job.suspended ?? false };
    }
    this.save();
  }

  snapshot(): Model {
    this.refresh();
    return structuredClone(this.model);
  }

  private load(): Model | undefined {
    return this.file && existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Model) : undefined;
  }

  /** Picks up what other writers of the file did. */
  private refresh(): void {
    this.model = this.load() ?? this.model;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    // Write-then-rename: a reader never sees half a model.
    const partial = `${this.file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(this.model, null, 2));
    renameSync(partial, this.file);
  }

  /** One read-modify-write of the model. Without a file `change` runs synchronously, so it is atomic anyway. */
  private async mutate<T>(change: (model: Model) => T): Promise<T> {
    if (!this.file) return change(this.model);
    return withFileLock(this.file, () => {
      this.refresh();
      const result = change(this.model);
      this.save();
      return result;
    });
  }

  private deploymentOf(model: Model, namespace: string, deployment: string): DeploymentState {
    const id = key(namespace, deployment);
    // An unseen deployment is modelled on first use: record-only never fails for lack of a cluster.
    model.deployments[id] ??= {
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
    return model.deployments[id]!;
  }

  private static bump(state: DeploymentState): void {
    state.generation += 1;
    state.observedGeneration = state.generation;
  }

  private static writeEnvTo(state: DeploymentState, changes: EnvChange[]): void {
    for (const change of changes) {
      const container = state.containers.find((c) => c.name === change.container);
      if (!container) continue;
      container.env = container.env.filter((e) => e.name !== change.name);
      if (change.env) container.env.push(structuredClone(change.env));
    }
  }

  async readDeployment(namespace: string, deployment: string): Promise<DeploymentState> {
    this.refresh();
    return structuredClone(this.deploymentOf(this.model, namespace, deployment));
  }

  async updateDeployment<T>(
    namespace: string,
    deployment: string,
    decide: (view: DeploymentView) => DeploymentEdit<T>,
    dryRun: boolean,
  ): Promise<T> {
    const run = (model: Model) => {
      const state = this.deploymentOf(model, namespace, deployment);
      const annotations = (model.annotations ??= {})[key(namespace, deployment)] ?? {};
      const edit = decide({ ...structuredClone(state), annotations: { ...annotations } });
      if (dryRun || (edit.env.length === 0 && Object.keys(edit.annotations).length === 0)) return edit.result;
      RecordOnlyTarget.writeEnvTo(state, edit.env);
      applyAnnotations(annotations, edit.annotations);
      if (Object.keys(annotations).length > 0) model.annotations![key(namespace, deployment)] = annotations;
      else delete model.annotations![key(namespace, deployment)];
      RecordOnlyTarget.bump(state);
      return edit.result;
    };
    return dryRun ? run(structuredClone(this.snapshot())) : this.mutate(run);
  }

  async updateCronJob<T>(
    namespace: string,
    name: string,
    decide: (view: CronJobView | undefined) => CronJobEdit<T>,
    dryRun: boolean,
  ): Promise<T> {
    const run = (model: Model) => {
      const job = model.cronJobs[key(namespace, name)];
      const edit = decide(
        job ? { name, suspended: job.suspended, annotations: { ...(job.annotations ?? {}) } } : undefined,
      );
      if (dryRun || !job) return edit.result;
      if (edit.suspended !== undefined) job.suspended = edit.suspended;
      const annotations = job.annotations ?? {};
      applyAnnotations(annotations, edit.annotations);
      if (Object.keys(annotations).length > 0) job.annotations = annotations;
      else delete job.annotations;
      return edit.result;
    };
    return dryRun ? run(this.snapshot()) : this.mutate(run);
  }

  async restart(namespace: string, deployment: string, at: string, dryRun: boolean): Promise<void> {
    if (dryRun) return;
    await this.mutate((model) => {
      const state = this.deploymentOf(model, namespace, deployment);
      state.restartedAt = at;
      RecordOnlyTarget.bump(state);
    });
  }

  async rolloutStatus(): Promise<RolloutStatus> {
    return { done: true, failed: false, reason: 'record-only: nothing was rolled out' };
  }

  async readSecretKey(namespace: string, name: string, secretKey: string): Promise<string | undefined> {
    this.refresh();
    return this.model.secrets[key(namespace, name)]?.[secretKey];
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    this.refresh();
    const found = this.model.secrets[key(namespace, name)];
    return found ? { ...found } : undefined;
  }

  async updateSecret<T>(
    namespace: string,
    name: string,
    decide: (view: SecretView | undefined) => SecretEdit<T>,
    dryRun: boolean,
  ): Promise<T> {
    const run = (model: Model) => {
      const id = key(namespace, name);
      const data = model.secrets[id];
      const annotations = { ...(model.secretAnnotations?.[id] ?? {}) };
      const edit = decide(data ? { data: { ...data }, annotations: { ...annotations } } : undefined);
      if (dryRun) return edit.result;
      const backups = (model.secretBackups ??= {});
      const backupId = (b: SecretBackup) => key(namespace, `${b.secret}#${b.key}`);
      if (edit.backup && data?.[edit.backup.key] !== undefined)
        backups[backupId(edit.backup.to)] = { oldValue: data[edit.backup.key] };
      if (edit.deleteSecret) {
        delete model.secrets[id];
        delete model.secretAnnotations?.[id];
      } else if (data || Object.keys(edit.data).length > 0 || Object.keys(edit.annotations).length > 0) {
        const next = { ...(data ?? {}) };
        for (const [k, v] of Object.entries(edit.data)) {
          if (v === null) delete next[k];
          else next[k] = v;
        }
        if (edit.restore) {
          const saved = backups[backupId(edit.restore.from)]?.oldValue;
          if (saved === undefined)
            throw new Error(
              `the backup of key "${edit.restore.key}" of secret ${name} -n ${namespace} is missing: restore the key by hand`,
            );
          next[edit.restore.key] = saved;
        }
        model.secrets[id] = next;
        applyAnnotations(annotations, edit.annotations);
        if (Object.keys(annotations).length > 0) (model.secretAnnotations ??= {})[id] = annotations;
        else delete model.secretAnnotations?.[id];
      }
      for (const b of edit.dropBackup) delete backups[backupId(b)];
      return edit.result;
    };
    return dryRun ? run(this.snapshot()) : this.mutate(run);
  }

  async listCronJobs(namespace: string, selector: string): Promise<PreviousCronJobs> {
    this.refresh();
    const wanted = parseSelector(selector);
    return Object.entries(this.model.cronJobs)
      .filter(
        ([id, job]) => id.startsWith(`${namespace}/`) && Object.entries(wanted).every(([k, v]) => job.labels[k] === v),
      )
      .map(([id, job]) => ({ name: id.slice(namespace.length + 1), suspended: job.suspended }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
