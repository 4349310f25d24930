import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { ErrorTypes } from '../../contract/index.ts';

/** Probes: the result is the data, so a failed probe is not retried into a different answer. */
export const probeActivities = proxyActivities<Pick<Activities, 'runProbe' | 'runProbes'>>({
  startToCloseTimeout: '90 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second', nonRetryableErrorTypes: [ErrorTypes.SecretNotFound] },
});

/** Cluster changes: idempotent, so transient API errors are retried; permission and lookup errors are not. */
export const clusterActivities = proxyActivities<Pick<Activities, 'applyMutation' | 'revertMutation' | 'readDeploymentState' | 'inspectSecretRef'>>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [ErrorTypes.KubernetesForbidden, ErrorTypes.KubernetesNotFound, ErrorTypes.DeploymentPaused, ErrorTypes.SecretNotFound],
  },
});

/** Rollouts take minutes: the activity heartbeats while it waits. */
export const rolloutActivities = proxyActivities<Pick<Activities, 'waitForRollout'>>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: [ErrorTypes.RolloutFailed, ErrorTypes.KubernetesForbidden, ErrorTypes.KubernetesNotFound] },
});

/** Notifications report their own sink failures as data; the activity only fails on bugs. */
export const notifyActivities = proxyActivities<Pick<Activities, 'notify'>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 2 },
});

/** A full disk or a bad mount may heal: retried for about ten minutes, then recorded on the timeline. */
export const postmortemActivities = proxyActivities<Pick<Activities, 'writePostmortem'>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 8, initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '3 minutes' },
});

/** The service's catalog entry and reference checks: answered from the worker's own configuration. */
export const catalogActivities = proxyActivities<Pick<Activities, 'resolveService' | 'checkSecretRef'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [ErrorTypes.UnknownService] },
});
