import type { V1Deployment } from '@kubernetes/client-node';
import type { DeploymentState, EnvChange, EnvVarState, RemediationTarget, RolloutStatus } from '../target.ts';
import { strategicMergePatch, type KubeApi } from './api.ts';
import type { Call } from './errors.ts';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

type DeploymentOperations = Pick<
  RemediationTarget,
  'readDeployment' | 'updateDeployment' | 'restart' | 'rolloutStatus'
>;

/** Deployments: their state and rollout, their env and owner records (one guarded write), restarts. */
export function deploymentOperations(api: KubeApi): DeploymentOperations {
  const { apps, fieldManager, dry } = api;
  const getDeployment = (namespace: string, name: string) =>
    api.call({ verb: 'get', resource: 'deployments', name, namespace }, () =>
      apps.readNamespacedDeployment({ namespace, name }),
    );

  return {
    async readDeployment(namespace, deployment) {
      return toState(namespace, deployment, await getDeployment(namespace, deployment));
    },

    async updateDeployment(namespace, deployment, decide, dryRun) {
      const c: Call = { verb: 'patch', resource: 'deployments', name: deployment, namespace };
      return api.guarded(
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
            strategicMergePatch(),
          );
          return edit.result;
        },
      );
    },

    async restart(namespace, deployment, at, dryRun) {
      const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
      await api.call({ verb: 'patch', resource: 'deployments', name: deployment, namespace }, () =>
        apps.patchNamespacedDeployment(
          { namespace, name: deployment, body, fieldManager, ...dry(dryRun) },
          strategicMergePatch(),
        ),
      );
    },

    async rolloutStatus(namespace, deployment) {
      return rolloutStatusOf(await getDeployment(namespace, deployment));
    },
  };
}

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
  const waiting = (reason: string) => ({ done: false, failed: false, reason });
  if (updated < want)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    );
  if (total > updated)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`,
    );
  if (available < updated)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  return { done: true, failed: false, reason: `deployment "${name}" successfully rolled out` };
}
