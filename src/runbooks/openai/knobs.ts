import type { KubeDeploymentRef } from '../../contract/index.ts';
import type { RemediationContext } from '../types.ts';

/** The environment variables the service calling the OpenAI-compatible API reads. */
export const FALLBACK = 'OPENAI_FALLBACK';
export const CONCURRENCY = 'OPENAI_MAX_CONCURRENCY';

export function deploymentOf(ctx: RemediationContext): KubeDeploymentRef {
  const k = ctx.input.service.kubernetes;
  return { namespace: k.namespace, deployment: k.deployment, ...(k.container ? { container: k.container } : {}) };
}

export const setEnvKubectl = (d: KubeDeploymentRef, assignment: string) =>
  `kubectl set env deployment/${d.deployment} ${assignment}${d.container ? ` -c ${d.container}` : ''} -n ${d.namespace}`;
export const restartKubectl = (d: KubeDeploymentRef) =>
  `kubectl rollout restart deployment/${d.deployment} -n ${d.namespace}`;
