import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { ErrorTypes, maxConfirmationRounds, type ProbeSpecInput } from '../../contract/index.ts';
import type { RunbookDefinition } from './runbook.ts';

/** Probes: the result is the data, so a failed probe is not retried into a different answer. */
export const probeActivities = proxyActivities<Pick<Activities, 'runProbe' | 'runProbes'>>({
  startToCloseTimeout: '90 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second', nonRetryableErrorTypes: [ErrorTypes.SecretNotFound] },
});

/** The longest a round can take: its calls at once, then the downloads of what they returned. */
function roundBoundMs(specs: readonly ProbeSpecInput[], capMs: number | undefined): number {
  const timeout = (s: ProbeSpecInput) => Math.min(s.timeoutMs, capMs ?? s.timeoutMs);
  const longest = (kinds: (k: ProbeSpecInput['kind']) => boolean) =>
    Math.max(0, ...specs.filter((s) => kinds(s.kind)).map(timeout));
  return longest((k) => k !== 'download' && k !== 'timing') + longest((k) => k === 'download');
}

/** Secrets, the catalog and scheduling on top of the probes' own timeouts. */
const ROUND_SLACK_MS = 30_000;

/**
 * The triage and its confirmation rounds (`judgeRounds`), a regular activity: it sleeps between
 * rounds, so it heartbeats, and a retry resumes after the rounds it heartbeated (their billed calls
 * are neither made nor charged twice). It may take every round its stop rule allows, each after
 * the confirmation interval, and no longer.
 */
export function judgeActivities(incident: {
  runbook: RunbookDefinition;
  input: { timings: { probeTimeoutMs?: number; confirmRounds: number; confirmIntervalMs: number } };
}) {
  const { probeTimeoutMs, confirmRounds, confirmIntervalMs } = incident.input.timings;
  const { triageProbes, evidence } = incident.runbook;
  const boundMs =
    roundBoundMs(triageProbes, probeTimeoutMs) +
    maxConfirmationRounds(confirmRounds) * (confirmIntervalMs + roundBoundMs(evidence.real, probeTimeoutMs)) +
    ROUND_SLACK_MS;
  return proxyActivities<Pick<Activities, 'judgeRounds'>>({
    startToCloseTimeout: boundMs,
    heartbeatTimeout: '10 seconds',
    retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: [ErrorTypes.SecretNotFound] },
  });
}

/**
 * The hint watched between real checks (`watchHint`): it lasts until the real check is due and one
 * poll interval more at most. A lost worker shows as missed heartbeats; the retry goes on from the
 * schedule it heartbeated. An incident woken meanwhile abandons it rather than cancel it: a
 * cancellation can cross the watch's completion (the server then refuses the workflow task), and
 * an abandoned watch only reads the free hint until its end, or until the incident has closed.
 */
export function watchActivities(bound: {
  untilDueMs: number;
  pollMaxMs: number;
  readTimeoutMs: number;
  heartbeatEveryMs: number;
}) {
  return proxyActivities<Pick<Activities, 'watchHint'>>({
    startToCloseTimeout: Math.max(0, bound.untilDueMs) + bound.pollMaxMs + bound.readTimeoutMs + ROUND_SLACK_MS,
    heartbeatTimeout: 4 * bound.heartbeatEveryMs,
    cancellationType: ActivityCancellationType.ABANDON,
    retry: {
      maximumAttempts: 3,
      initialInterval: '1 second',
      nonRetryableErrorTypes: [ErrorTypes.HintWatchUnavailable, ErrorTypes.SecretNotFound],
    },
  });
}

/** Cluster changes: idempotent, so transient API errors are retried; permission and lookup errors are not. */
export const clusterActivities = proxyActivities<
  Pick<Activities, 'applyMutation' | 'revertMutation' | 'readDeploymentState' | 'inspectSecretRef'>
>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [
      ErrorTypes.KubernetesForbidden,
      ErrorTypes.KubernetesNotFound,
      ErrorTypes.DeploymentPaused,
      ErrorTypes.SecretNotFound,
    ],
  },
});

/** Rollouts take minutes: the activity heartbeats while it waits. */
export const rolloutActivities = proxyActivities<Pick<Activities, 'waitForRollout'>>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [ErrorTypes.RolloutFailed, ErrorTypes.KubernetesForbidden, ErrorTypes.KubernetesNotFound],
  },
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

/**
 * The incident's service, a local activity: a lookup in the worker's memory, recorded as one
 * marker in the first workflow task instead of an activity's three events and a second workflow task.
 */
export const catalogLookups = proxyLocalActivities<Pick<Activities, 'resolveService'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [ErrorTypes.UnknownService] },
});
