import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { withFileLock } from './file-lock.ts';
import {
  applyAnnotations,
  key,
  deploymentIn,
  bumpGeneration,
  modelledDeployment,
  writeEnv,
  writeSecretEdit,
  type Model,
  type RecordOnlySeed,
} from './record-only-model.ts';
import {
  parseSelector,
  type CronJobEdit,
  type CronJobView,
  type DeploymentEdit,
  type DeploymentState,
  type DeploymentView,
  type PreviousCronJobs,
  type RemediationTarget,
  type RolloutStatus,
  type SecretEdit,
  type SecretView,
} from './target.ts';

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
        ...modelledDeployment(seed.namespace, seed.deployment, 2),
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

  async readDeployment(namespace: string, deployment: string): Promise<DeploymentState> {
    this.refresh();
    return structuredClone(deploymentIn(this.model, namespace, deployment));
  }

  async updateDeployment<T>(
    namespace: string,
    deployment: string,
    decide: (view: DeploymentView) => DeploymentEdit<T>,
    dryRun: boolean,
  ): Promise<T> {
    const run = (model: Model) => {
      const state = deploymentIn(model, namespace, deployment);
      const annotations = (model.annotations ??= {})[key(namespace, deployment)] ?? {};
      const edit = decide({ ...structuredClone(state), annotations: { ...annotations } });
      if (dryRun || (edit.env.length === 0 && Object.keys(edit.annotations).length === 0)) return edit.result;
      writeEnv(state, edit.env);
      applyAnnotations(annotations, edit.annotations);
      if (Object.keys(annotations).length > 0) model.annotations![key(namespace, deployment)] = annotations;
      else delete model.annotations![key(namespace, deployment)];
      bumpGeneration(state);
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
      const state = deploymentIn(model, namespace, deployment);
      state.restartedAt = at;
      bumpGeneration(state);
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
      const annotations = model.secretAnnotations?.[id] ?? {};
      const edit = decide(data ? { data: { ...data }, annotations: { ...annotations } } : undefined);
      if (!dryRun) writeSecretEdit(model, namespace, name, edit);
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
