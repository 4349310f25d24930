/**
 * Worker deployments (Worker Versioning): which version new incidents start on. An operator sets it
 * with `temporal worker deployment set-current-version`; `runbook dev` and a worker told to
 * (RUNBOOK_MAKE_CURRENT) set it to their own build, and a first deployment's worker does too.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import proto from '@temporalio/proto';

const { TaskQueueType } = proto.temporal.api.enums.v1;

/** The server answered NOT_FOUND (gRPC 5), directly or as the client's wrapped cause. */
function notFound(err: unknown): boolean {
  const { code, cause } = err as { code?: unknown; cause?: { code?: unknown } };
  return code === 5 || cause?.code === 5;
}

interface Routing {
  current: WorkerDeploymentVersion | null;
  /** Passed back on a change, so the change is refused if someone else changed the routing meanwhile. */
  conflictToken?: Uint8Array;
}

async function routingOf(client: Client, deploymentName: string): Promise<Routing> {
  try {
    const { workerDeploymentInfo, conflictToken } = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName,
    });
    const current = workerDeploymentInfo?.routingConfig?.currentDeploymentVersion;
    return {
      current:
        current?.buildId && current.deploymentName
          ? { deploymentName: current.deploymentName, buildId: current.buildId }
          : null,
      conflictToken: conflictToken ?? undefined,
    };
  } catch (err) {
    // A deployment no worker has polled for yet: nothing is current.
    if (notFound(err)) return { current: null };
    throw err;
  }
}

/** The deployment's current version: where new incidents start (null: no versioned worker gets them). */
export async function currentVersion(client: Client, deploymentName: string): Promise<WorkerDeploymentVersion | null> {
  return (await routingOf(client, deploymentName)).current;
}

/**
 * Waits until the server has seen `version` poll the task queue for workflow and activity tasks. The
 * server refuses to make a version current while the current one polls a queue it does not yet (its
 * tasks would go to no worker), and a worker's first polls reach it a moment after the worker starts.
 */
export async function untilPolled(
  client: Client,
  version: WorkerDeploymentVersion,
  taskQueue: string,
  timeoutMs = 60_000,
): Promise<void> {
  const wanted = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { versionTaskQueues } = await client.workflowService.describeWorkerDeploymentVersion({
        namespace: client.options.namespace,
        deploymentVersion: version,
      });
      const polled = (versionTaskQueues ?? []).filter((q) => q.name === taskQueue).map((q) => q.type);
      if (wanted.every((type) => polled.includes(type))) return;
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the server has not seen build ${version.buildId} of ${version.deploymentName} poll task queue ${taskQueue} within ${timeoutMs / 1000} s`,
      );
    }
    await delay(200);
  }
}

export type MadeCurrent =
  | { outcome: 'made-current' | 'already-current' }
  /** `onlyIfNone` and another build is current: left as it is. */
  | { outcome: 'left'; current: WorkerDeploymentVersion };

/**
 * Makes `version`, whose worker polls `taskQueue`, its deployment's current version; with
 * `onlyIfNone`, only while the deployment has none (a first deployment has no running incident to
 * protect, and without a current version no versioned worker would get a new one).
 */
export async function makeCurrentVersion(
  client: Client,
  version: WorkerDeploymentVersion,
  options: { onlyIfNone: boolean; taskQueue: string },
): Promise<MadeCurrent> {
  const before = await routingOf(client, version.deploymentName);
  if (before.current?.buildId === version.buildId) return { outcome: 'already-current' };
  if (options.onlyIfNone && before.current) return { outcome: 'left', current: before.current };
  await untilPolled(client, version, options.taskQueue);
  try {
    await client.workflowService.setWorkerDeploymentCurrentVersion({
      namespace: client.options.namespace,
      deploymentName: version.deploymentName,
      buildId: version.buildId,
      ...(options.onlyIfNone && before.conflictToken ? { conflictToken: before.conflictToken } : {}),
    });
    return { outcome: 'made-current' };
  } catch (err) {
    // Another worker of a first deployment got there first: its build stays current.
    const after = options.onlyIfNone ? (await routingOf(client, version.deploymentName)).current : null;
    if (after?.buildId === version.buildId) return { outcome: 'already-current' };
    if (after) return { outcome: 'left', current: after };
    throw err;
  }
}
