// src/activities/kubernetes/cluster: the remediation target on a real cluster, one file per kind of resource.
import { KubeConfig } from '@kubernetes/client-node';
import type { RemediationTarget } from '../target.ts';
import { DEFAULT_FIELD_MANAGER, makeKubeApi, type ConflictListener } from './api.ts';
import { cronJobOperations } from './cronjobs.ts';
import { deploymentOperations } from './deployments.ts';
import { secretOperations } from './secrets.ts';

export { DEFAULT_FIELD_MANAGER, MAX_CONFLICT_ROUNDS } from './api.ts';
export { classifyKubeError } from './errors.ts';
export { RESTARTED_AT, rolloutStatusOf } from './deployments.ts';
export { BACKUP_LABEL } from './secret-backups.ts';

export interface KubernetesTargetOptions {
  /** A loaded config; otherwise the default loader (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig?: KubeConfig;
  context?: string;
  kubeconfigPath?: string;
  fieldManager?: string;
  /** Told of every lost race of a guarded write (409 Conflict) before it is retried: for metrics and tests. */
  onConflict?: ConflictListener;
}

export function createKubernetesTarget(options: KubernetesTargetOptions = {}): RemediationTarget {
  const api = makeKubeApi(loadKubeConfig(options), options.fieldManager ?? DEFAULT_FIELD_MANAGER, options.onConflict);
  return {
    mode: 'kubernetes',
    ...deploymentOperations(api),
    ...secretOperations(api),
    ...cronJobOperations(api),
  };
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
