import type { RemediationTarget } from './target.ts';

export interface KubernetesTargetOptions {
  context?: string;
  kubeconfigPath?: string;
  fieldManager?: string;
}

export function createKubernetesTarget(_options: KubernetesTargetOptions): RemediationTarget {
  throw new Error('the Kubernetes remediation target is not implemented yet — set RUNBOOK_REMEDIATION_TARGET=record-only');
}
