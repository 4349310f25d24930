import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import type {
  CronJobView,
  DeploymentState,
  EnvChange,
  EnvVarState,
  PreviousCronJobs,
  RemediationTarget,
  RolloutStatus,
  SecretBackup,
  SecretView,
} from './target.ts';
import { ErrorTypes } from '../../contract/index.ts';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const DEFAULT_FIELD_MANAGER = 'runbook-engine';
export const BACKUP_LABEL = 'runbook.dev/backup-of';

export interface KubernetesTargetOptions {
  /** A loaded config; otherwise the default loader (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig?: KubeConfig;
  context?: string;
  kubeconfigPath?: string;
  fieldManager?: string;
  /** Told of every lost race of a guarded write (409 Conflict) before it is retried: for metrics and tests. */
  onConflict?: (call: { verb: string; resource: string; name?: string; namespace: string; round: number }) => void;
}

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64');

interface Call {
  verb: string;
  resource: string;
  name?: string;
  namespace: string;
}

function describe(call: Call): string {
  return `${call.resource}${call.name ? ` "${call.name}"` : ''} in namespace ${call.namespace}`;
}

/**
 * Turns an API error into what the workflow can act on: permissions and missing objects are
 * permanent (a human must act), conflicts, throttling, server and network errors are retried.
 * Messages name the call, never a request body.
 */
export function classifyKubeError(err: unknown, call: Call): Error {
  const classified = classifyUnmarked(err, call);
  alreadyClassified.add(classified);
  return classified;
}

/** Errors classifyKubeError made: passed on as they are (they name their own call). */
const alreadyClassified = new WeakSet<Error>();

function classifyUnmarked(err: unknown, call: Call): Error {
  if (err instanceof ApiException) {
    const status = (err.body ?? {}) as { message?: string; reason?: string };
    if (err.code === 401 || err.code === 403) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes refused to ${call.verb} ${describe(call)} (HTTP ${err.code} ${status.reason ?? (err.code === 401 ? 'Unauthorized' : 'Forbidden')}): the worker's service account is missing verb "${call.verb}" on resource "${call.resource}"${call.name ? ` (resourceNames: ${call.name})` : ''} — grant it in deploy/rbac.yaml or apply the change by hand`,
        ErrorTypes.KubernetesForbidden,
      );
    }
    if (err.code === 404) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes ${describe(call)} not found (HTTP 404 on ${call.verb}) — check the namespace/name in the runbook configuration`,
        ErrorTypes.KubernetesNotFound,
      );
    }
    if (err.code === 422 || err.code === 400) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes rejected ${call.verb} ${describe(call)} as invalid (HTTP ${err.code}): ${call.resource === 'secrets' ? status.reason : status.message}`,
        ErrorTypes.KubernetesInvalid,
      );
    }
    return new Error(
      `Kubernetes API error HTTP ${err.code} on ${call.verb} ${describe(call)}${status.reason ? ` (${status.reason})` : ''}; will retry`,
    );
  }
  // Network-level failures (fetch failed: ECONNREFUSED, ECONNRESET, timeouts) carry no request body.
  const failure = err as { message?: string; cause?: { code?: string; message?: string } };
  const why = failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'network error';
  return new Error(`Kubernetes API unreachable on ${call.verb} ${describe(call)}: ${why}; will retry`);
}

function loadKubeConfig(options: KubernetesTargetOptions): KubeConfig {
  if (options.kubeConfig) return options.kubeConfig;
  const kc = new KubeConfig();
  if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
  else kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new Error(
        `kube context "${options.context}" not found in the kubeconfig (RUNBOOK_KUBE_CONTEXT) — available: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  return kc;
}

const patchAs = (strategy: PatchStrategy) => setHeaderOptions('Content-Type', strategy);

/**
 * How many times a guarded write re-reads and decides again after losing a race. Each lost race
 * means another writer got through, so N concurrent incidents need at most N rounds; past this the
 * activity fails (retryably) and Temporal's retry takes over.
 */
export const MAX_CONFLICT_ROUNDS = 40;
const isConflict = (err: unknown) => err instanceof ApiException && err.code === 409;
/** Jittered, so writers that collided do not collide again in lockstep. */
const conflictBackoff = (round: number) => delay(Math.random() * Math.min(2 ** round, 100));

/**
 * Strategic merge: containers and env merge by name, so other containers/variables stay.
 * `valueFrom: null` / `value: null` keep the variable valid when its source kind changes.
 */
const envPatch = (changes: EnvChange[]) =>
  changes.map(({ container, name, env }) => ({
    name: container,
    env: [
      env === null
        ? { name, $patch: 'delete' }
        : env.valueFrom !== undefined
          ? { name, valueFrom: env.valueFrom, value: null }
          : { name, value: env.value ?? '', valueFrom: null },
    ],
  }));

export function createKubernetesTarget(options: KubernetesTargetOptions = {}): RemediationTarget {
  const kc = loadKubeConfig(options);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
  const dry = (dryRun: boolean) => (dryRun ? { dryRun: 'All' } : {});

  async function call<T>(c: Call, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classifyKubeError(err, c);
    }
  }

  const getDeployment = (namespace: string, name: string) =>
    call({ verb: 'get', resource: 'deployments', name, namespace }, () =>
      apps.readNamespacedDeployment({ namespace, name }),
    );

  const patchDeployment = (namespace: string, name: string, body: object, dryRun: boolean) =>
    call({ verb: 'patch', resource: 'deployments', name, namespace }, () =>
      apps.patchNamespacedDeployment(
        { namespace, name, body, fieldManager, ...dry(dryRun) },
        patchAs(PatchStrategy.StrategicMergePatch),
      ),
    );

  const getSecret = async (namespace: string, name: string) => {
    try {
      return await core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw classifyKubeError(err, { verb: 'get', resource: 'secrets', name, namespace });
    }
  };

  /**
   * Read, decide, write with the read's resourceVersion as a precondition (a patch carrying
   * metadata.resourceVersion fails with 409 Conflict if the object changed since): the
   * compare-and-swap every owner record update goes through.
   */
  async function guarded<T, O extends { metadata?: { resourceVersion?: string } }>(
    c: Call,
    read: () => Promise<O | undefined>,
    write: (current: O | undefined) => Promise<T> | T,
  ): Promise<T> {
    for (let round = 1; ; round += 1) {
      const current = await read();
      try {
        return await write(current);
      } catch (err) {
        if (isConflict(err) && round < MAX_CONFLICT_ROUNDS) {
          options.onConflict?.({ ...c, round });
          await conflictBackoff(round);
          continue;
        }
        // A decision's own typed failure (e.g. no such container) passes through as it is.
        throw err instanceof ApplicationFailure || alreadyClassified.has(err as Error)
          ? err
          : classifyKubeError(err, c);
      }
    }
  }

  /** Puts one value (still encoded as read) into the backup Secret, creating it when missing. */
  async function writeBackup(
    namespace: string,
    of: string,
    backup: SecretBackup,
    encoded: string,
    dryRun: boolean,
  ): Promise<void> {
    for (let round = 1; ; round += 1) {
      try {
        await core.patchNamespacedSecret(
          { namespace, name: backup.secret, body: { data: { [backup.key]: encoded } }, fieldManager, ...dry(dryRun) },
          patchAs(PatchStrategy.MergePatch),
        );
        return;
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404))
          throw classifyKubeError(err, { verb: 'patch', resource: 'secrets', name: backup.secret, namespace });
      }
      try {
        await core.createNamespacedSecret({
          namespace,
          body: {
            metadata: { name: backup.secret, labels: { [BACKUP_LABEL]: of } },
            type: 'Opaque',
            data: { [backup.key]: encoded },
          },
          fieldManager,
          ...dry(dryRun),
        });
        return;
      } catch (err) {
        // Created by another writer since: patch it instead.
        if (!isConflict(err) || round >= MAX_CONFLICT_ROUNDS)
          throw classifyKubeError(err, { verb: 'create', resource: 'secrets', name: backup.secret, namespace });
      }
    }
  }

  /** Removes backup keys; deletes the backup Secret once it holds nothing, unless written meanwhile. */
  async function dropBackupKeys(namespace: string, backups: SecretBackup[]): Promise<void> {
    for (const secretName of new Set(backups.map((b) => b.secret))) {
      let backup = await getSecret(namespace, secretName);
      if (!backup) continue;
      const present = backups
        .filter((b) => b.secret === secretName && backup!.data?.[b.key] !== undefined)
        .map((b) => b.key);
      const c: Call = { verb: 'patch', resource: 'secrets', name: secretName, namespace };
      try {
        if (present.length > 0) {
          backup = await core.patchNamespacedSecret(
            {
              namespace,
              name: secretName,
              body: { data: Object.fromEntries(present.map((k) => [k, null])) },
              fieldManager,
            },
            patchAs(PatchStrategy.MergePatch),
          );
        }
        if (Object.keys(backup.data ?? {}).length > 0) continue;
        c.verb = 'delete';
        await core.deleteNamespacedSecret({
          namespace,
          name: secretName,
          body: { preconditions: { resourceVersion: backup.metadata?.resourceVersion } },
        });
      } catch (err) {
        // Gone already, or written by a new cycle since: either way nothing is left to drop.
        if (err instanceof ApiException && (err.code === 404 || err.code === 409)) continue;
        throw classifyKubeError(err, c);
      }
    }
  }

  return {
    mode: 'kubernetes',

    async readDeployment(namespace, deployment) {
      return toState(namespace, deployment, await getDeployment(namespace, deployment));
    },

    async updateDeployment(namespace, deployment, decide, dryRun) {
      const c: Call = { verb: 'patch', resource: 'deployments', name: deployment, namespace };
      return guarded(
        c,
        () => getDeployment(namespace, deployment),
        async (d) => {
          const edit = decide({
            ...toState(namespace, deployment, d!),
            annotations: { ...(d!.metadata?.annotations ?? {}) },
          });
          if (edit.env.length === 0 && Object.keys(edit.annotations).length === 0) return edit.result;
          const body = {
            metadata: { resourceVersion: d!.metadata?.resourceVersion, annotations: edit.annotations },
            ...(edit.env.length > 0 ? { spec: { template: { spec: { containers: envPatch(edit.env) } } } } : {}),
          };
          await apps.patchNamespacedDeployment(
            { namespace, name: deployment, body, fieldManager, ...dry(dryRun) },
            patchAs(PatchStrategy.StrategicMergePatch),
          );
          return edit.result;
        },
      );
    },

    async updateCronJob(namespace, name, decide, dryRun) {
      const c: Call = { verb: 'patch', resource: 'cronjobs', name, namespace };
      // The Role grants list, not get, on CronJobs (their names are only known at run time): read one by field selector.
      const read = async () =>
        (
          await call({ verb: 'list', resource: 'cronjobs', namespace }, () =>
            batch.listNamespacedCronJob({ namespace, fieldSelector: `metadata.name=${name}` }),
          )
        ).items[0];
      return guarded(c, read, async (job) => {
        const view: CronJobView | undefined = job
          ? { name, suspended: job.spec?.suspend === true, annotations: { ...(job.metadata?.annotations ?? {}) } }
          : undefined;
        const edit = decide(view);
        if (!job || (edit.suspended === undefined && Object.keys(edit.annotations).length === 0)) return edit.result;
        const body = {
          metadata: { resourceVersion: job.metadata?.resourceVersion, annotations: edit.annotations },
          ...(edit.suspended === undefined ? {} : { spec: { suspend: edit.suspended } }),
        };
        await batch.patchNamespacedCronJob(
          { namespace, name, body, fieldManager, ...dry(dryRun) },
          patchAs(PatchStrategy.StrategicMergePatch),
        );
        return edit.result;
      });
    },

    async restart(namespace, deployment, at, dryRun) {
      await patchDeployment(
        namespace,
        deployment,
        { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } },
        dryRun,
      );
    },

    async rolloutStatus(namespace, deployment) {
      return rolloutStatusOf(await getDeployment(namespace, deployment));
    },

    async readSecret(namespace, name) {
      const secret = await getSecret(namespace, name);
      return secret ? decode(secret.data) : undefined;
    },

    async readSecretKey(namespace, name, key) {
      return (await getSecret(namespace, name).then((s) => (s ? decode(s.data) : undefined)))?.[key];
    },

    async updateSecret(namespace, name, decide, dryRun) {
      const c: Call = { verb: 'patch', resource: 'secrets', name, namespace };
      // Backup keys written in rounds lost to another writer: dropped unless the final decision kept them.
      const written = new Map<string, SecretBackup>();
      const edit = await guarded(
        c,
        () => getSecret(namespace, name),
        async (secret) => {
          const raw = secret?.data ?? {};
          const view: SecretView | undefined = secret
            ? { data: decode(raw), annotations: { ...(secret.metadata?.annotations ?? {}) } }
            : undefined;
          const decided = decide(view);
          if (decided.backup && raw[decided.backup.key] !== undefined) {
            await writeBackup(namespace, name, decided.backup.to, raw[decided.backup.key]!, dryRun);
            written.set(decided.backup.to.key, decided.backup.to);
          }
          const data: Record<string, string | null> = Object.fromEntries(
            Object.entries(decided.data).map(([k, v]) => [k, v === null ? null : encode(v)]),
          );
          if (decided.restore) {
            const saved = (await getSecret(namespace, decided.restore.from.secret))?.data?.[decided.restore.from.key];
            if (saved === undefined) {
              throw ApplicationFailure.nonRetryable(
                `the backup of key "${decided.restore.key}" of secret ${name} -n ${namespace} (key "${decided.restore.from.key}" of secret ${decided.restore.from.secret}) is missing: restore the key by hand`,
                ErrorTypes.SecretBackupMissing,
              );
            }
            data[decided.restore.key] = saved;
          }
          if (decided.deleteSecret) {
            if (!secret) return decided;
            try {
              // Deleted only if nobody wrote since the read (someone may just have joined).
              await core.deleteNamespacedSecret({
                namespace,
                name,
                body: { preconditions: { resourceVersion: secret.metadata?.resourceVersion } },
                ...dry(dryRun),
              });
            } catch (err) {
              if (!(err instanceof ApiException && err.code === 404)) throw err;
            }
            return decided;
          }
          if (Object.keys(data).length === 0 && Object.keys(decided.annotations).length === 0) return decided;
          if (!secret) {
            const annotations = Object.fromEntries(
              Object.entries(decided.annotations).filter((e): e is [string, string] => e[1] !== null),
            );
            const created = Object.fromEntries(
              Object.entries(data).filter((e): e is [string, string] => e[1] !== null),
            );
            // A secret created meanwhile by another writer is a 409 AlreadyExists: re-read and decide again.
            await core.createNamespacedSecret({
              namespace,
              body: { metadata: { name, annotations }, type: 'Opaque', data: created },
              fieldManager,
              ...dry(dryRun),
            });
            return decided;
          }
          try {
            await core.patchNamespacedSecret(
              {
                namespace,
                name,
                body: {
                  metadata: { resourceVersion: secret.metadata?.resourceVersion, annotations: decided.annotations },
                  data,
                },
                fieldManager,
                ...dry(dryRun),
              },
              patchAs(PatchStrategy.MergePatch),
            );
          } catch (err) {
            // Deleted since the read (its last holder left): decide again on the secret as it is now.
            if (err instanceof ApiException && err.code === 404)
              throw new ApiException(409, 'deleted since read', undefined, {});
            throw err;
          }
          return decided;
        },
      );
      if (!dryRun) {
        const drop = [...edit.dropBackup, ...[...written.values()].filter((b) => b.key !== edit.backup?.to.key)];
        if (drop.length > 0) await dropBackupKeys(namespace, drop);
      }
      return edit.result;
    },

    async listCronJobs(namespace, selector) {
      const list = await call({ verb: 'list', resource: 'cronjobs', namespace }, () =>
        batch.listNamespacedCronJob({ namespace, labelSelector: selector }),
      );
      const jobs: PreviousCronJobs = list.items.map((job) => ({
        name: job.metadata?.name ?? '',
        suspended: job.spec?.suspend === true,
      }));
      return jobs.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

function toState(namespace: string, deployment: string, d: V1Deployment): DeploymentState {
  return {
    namespace,
    deployment,
    paused: d.spec?.paused === true,
    generation: d.metadata?.generation ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
    replicas: d.spec?.replicas ?? 1,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
    restartedAt: d.spec?.template?.metadata?.annotations?.[RESTARTED_AT] ?? null,
    containers: (d.spec?.template?.spec?.containers ?? []).map((c) => ({
      name: c.name,
      env: (c.env ?? []).map((e): EnvVarState =>
        e.valueFrom ? { name: e.name, valueFrom: e.valueFrom } : { name: e.name, value: e.value ?? '' },
      ),
    })),
  };
}

/** kubectl's DeploymentStatusViewer, word for word where it matters. */
export function rolloutStatusOf(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name ?? 'deployment';
  const generation = d.metadata?.generation ?? 0;
  const status = d.status ?? {};
  if (generation > (status.observedGeneration ?? 0))
    return { done: false, failed: false, reason: 'Waiting for deployment spec update to be observed...' };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return { done: false, failed: true, reason: `deployment "${name}" exceeded its progress deadline` };
  const want = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want)
    return {
      done: false,
      failed: false,
      reason: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    };
  if (total > updated)
    return {
      done: false,
      failed: false,
      reason: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`,
    };
  if (available < updated)
    return {
      done: false,
      failed: false,
      reason: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  return { done: true, failed: false, reason: `deployment "${name}" successfully rolled out` };
}

export type { SecretBackup };
