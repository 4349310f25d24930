// STUB — owned by the Kubernetes helper (issue 5); replace freely, keep the exported names.
export interface KubeActivityDeps {
  mode: 'kubernetes' | 'record-only';
  clock: () => Date;
}

export function createKubernetesActivities(_deps: KubeActivityDeps) {
  return {};
}
