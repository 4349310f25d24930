import { ApplicationFailure, Context } from '@temporalio/activity';
import { ErrorTypes, namespaceFlag as nsFlag } from '../../../contract/index.ts';
import type { MutationHandler } from './handler.ts';

/** `kubectl rollout restart`: an event, not a state, so there is nothing to put back. */
export const rolloutRestartHandler: MutationHandler<'rollout-restart', { restartedAt: string | null }> = {
  async apply(op, step, { target, now }) {
    const state = await target.readDeployment(op.namespace, op.deployment);
    if (state.paused) {
      throw ApplicationFailure.nonRetryable(
        `deployment/${op.deployment} -n ${op.namespace} is paused: a restart would not roll out — resume it (kubectl rollout resume) or skip the restart`,
        ErrorTypes.DeploymentPaused,
      );
    }
    // A retry of this activity must not restart twice, so an earlier attempt's annotation (set after
    // this activity was first scheduled) counts as done.
    const firstScheduled = earlierAttemptsSince();
    const changed = !(
      firstScheduled !== undefined &&
      state.restartedAt !== null &&
      Date.parse(state.restartedAt) >= firstScheduled
    );
    const at = changed ? now() : state.restartedAt!;
    if (changed) await target.restart(op.namespace, op.deployment, at, step.dryRun);
    return {
      previous: { restartedAt: state.restartedAt },
      changed,
      drift: [],
      change: `restartedAt=${at}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
    };
  },

  // Pods cannot be un-restarted; the annotation is the restart's only trace.
  revert: async () => [],
  revertKubectl: () => undefined,
};

/** When this activity was first scheduled, if this is a retry (undefined on a first attempt or outside an activity). */
function earlierAttemptsSince(): number | undefined {
  try {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    return attempt > 1 ? scheduledTimestampMs : undefined;
  } catch {
    return undefined;
  }
}
