import type { DeploymentState, EnvChange, SecretBackup, SecretEdit } from './target.ts';

/** The record-only target's model of a cluster, as its state file holds it. */
export interface Model {
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

export const key = (namespace: string, name: string) => `${namespace}/${name}`;

export function applyAnnotations(target: Record<string, string>, changes: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete target[name];
    else target[name] = value;
  }
}

/** A deployment as the model first sees it: one generation, fully rolled out, never restarted. */
export function modelledDeployment(namespace: string, deployment: string, replicas: number): DeploymentState {
  return {
    namespace,
    deployment,
    paused: false,
    generation: 1,
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    availableReplicas: replicas,
    restartedAt: null,
    containers: [{ name: deployment, env: [] }],
  };
}

/** The modelled deployment; an unseen one is modelled on first use: record-only never fails for lack of a cluster. */
export function deploymentIn(model: Model, namespace: string, deployment: string): DeploymentState {
  return (model.deployments[key(namespace, deployment)] ??= modelledDeployment(namespace, deployment, 1));
}

/** A written spec change, as the controller would observe it at once. */
export function bumpGeneration(state: DeploymentState): void {
  state.generation += 1;
  state.observedGeneration = state.generation;
}

export function writeEnv(state: DeploymentState, changes: EnvChange[]): void {
  for (const change of changes) {
    const container = state.containers.find((c) => c.name === change.container);
    if (!container) continue;
    container.env = container.env.filter((e) => e.name !== change.name);
    if (change.env) container.env.push(structuredClone(change.env));
  }
}

/** Writes one decided secret edit into the model, as the cluster target writes it into a cluster. */
export function writeSecretEdit<T>(model: Model, namespace: string, name: string, edit: SecretEdit<T>): void {
  const id = key(namespace, name);
  const data = model.secrets[id];
  const annotations = { ...(model.secretAnnotations?.[id] ?? {}) };
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
}
