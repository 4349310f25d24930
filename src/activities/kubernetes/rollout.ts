import { ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import { ErrorTypes } from '../../contract/index.ts';
import type { RemediationTarget } from './target.ts';

export interface RolloutWait {
  namespace: string;
  deployment: string;
  timeoutMs: number;
}

/** `kubectl rollout status`: waits for the new ReplicaSet, heartbeating; a stuck rollout fails for good. */
export async function waitForRollout(
  req: RolloutWait,
  deps: { target: RemediationTarget; clock: () => Date; rolloutPollMs?: number },
): Promise<{ ready: boolean; reason: string }> {
  const deadline = deps.clock().getTime() + req.timeoutMs;
  for (;;) {
    const status = await deps.target.rolloutStatus(req.namespace, req.deployment);
    heartbeat(status.reason);
    if (status.failed)
      throw ApplicationFailure.nonRetryable(
        `rollout of deployment/${req.deployment} failed: ${status.reason}`,
        ErrorTypes.RolloutFailed,
      );
    if (status.done) return { ready: true, reason: status.reason };
    if (deps.clock().getTime() >= deadline)
      return { ready: false, reason: `timed out after ${req.timeoutMs} ms: ${status.reason}` };
    await sleep(deps.rolloutPollMs ?? 1_000);
  }
}

/**
 * The deployment as the engine may show it: values sourced from secrets stay where they are;
 * literal values are configuration.
 */
export async function readDeploymentState(req: { namespace: string; deployment: string }, target: RemediationTarget) {
  const state = await target.readDeployment(req.namespace, req.deployment);
  return {
    ...state,
    containers: state.containers.map((c) => ({
      name: c.name,
      env: c.env.map((e) => (e.valueFrom ? { name: e.name, valueFrom: 'secret/configmap reference' } : e)),
    })),
  };
}
