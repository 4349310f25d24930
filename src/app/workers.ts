import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;
import { noWorker } from '../cli/errors.ts';

/** Workers recently polling the queue for workflow tasks (the server remembers pollers for a few minutes). */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return response.pollers?.length ?? 0;
}

/**
 * Queries and updates of a running workflow wait for a worker without a word (a query for 30 s,
 * an update indefinitely): say at once that there is none, and how to start one.
 */
export async function requireWorker(client: Client, taskQueue: string): Promise<void> {
  if ((await workflowPollers(client, taskQueue)) === 0) throw noWorker(taskQueue);
}
