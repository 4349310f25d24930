import { kubectlEquivalent, type KubeDeploymentRef } from '../../contract/index.ts';
import type { RemediationContext } from '../types.ts';

/** The environment variables the Ideogram service reads (see the client in clients/ideogram-client.ts). */
export const FALLBACK = 'IDEOGRAM_FALLBACK';
export const CONCURRENCY = 'IDEOGRAM_CONCURRENCY';
export const REDUCED_CONCURRENCY = '3';
export const PROVIDER_CONTACT = 'partnership@ideogram.ai';

export function deploymentOf(ctx: RemediationContext): KubeDeploymentRef {
  const k = ctx.input.service.kubernetes;
  return { namespace: k.namespace, deployment: k.deployment, ...(k.container ? { container: k.container } : {}) };
}

/** For approval texts: the same kubectl equivalent the target records when it makes the change. */
export function setEnvKubectl(ctx: RemediationContext, name: string, value: string): string {
  return kubectlEquivalent({ kind: 'set-env', ...deploymentOf(ctx), name, value });
}

export function restartKubectl(ctx: RemediationContext): string {
  return kubectlEquivalent({ kind: 'rollout-restart', ...deploymentOf(ctx) });
}
