import type { KubeDeploymentRef } from '../../contract/index.ts';
import type { RemediationContext } from '../types.ts';

/** The environment variables the Ideogram service reads (see the client in src/runbooks/ideogram/client.activity.ts). */
export const FALLBACK = 'IDEOGRAM_FALLBACK';
export const CONCURRENCY = 'IDEOGRAM_CONCURRENCY';
export const REDUCED_CONCURRENCY = '3';
export const PROVIDER_CONTACT = 'partnership@ideogram.ai';

export function deploymentOf(ctx: RemediationContext): KubeDeploymentRef {
  const k = ctx.input.service.kubernetes;
  return { namespace: k.namespace, deployment: k.deployment, ...(k.container ? { container: k.container } : {}) };
}

export function setEnvKubectl(ctx: RemediationContext, assignment: string): string {
  const d = deploymentOf(ctx);
  return `kubectl set env deployment/${d.deployment} ${assignment}${d.container ? ` -c ${d.container}` : ''} -n ${d.namespace}`;
}

export function restartKubectl(ctx: RemediationContext): string {
  const d = deploymentOf(ctx);
  return `kubectl rollout restart deployment/${d.deployment} -n ${d.namespace}`;
}
