import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { noAnswerFromTemporal, noWorker } from './errors.ts';

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;

async function pollers(client: Client, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return response.pollers?.length ?? 0;
}

/**
 * Workers recently polling the queue for workflow tasks (the server remembers pollers for a few
 * minutes), or null when the server will not say (e.g. an API key without that permission).
 */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number | null> {
  try {
    return await pollers(client, taskQueue);
  } catch {
    return null;
  }
}

/**
 * Queries and updates of a running workflow wait for a worker without a word (a query for 30 s,
 * an update indefinitely): say at once that there is none, and how to start one. When the server
 * cannot tell, go ahead rather than block someone who may well have a worker.
 */
export async function requireWorker(client: Client, taskQueue: string): Promise<void> {
  let count: number | null = null;
  try {
    count = await pollers(client, taskQueue);
  } catch (err) {
    // No answer at all is not "the server will not say": Temporal is gone, and nothing has been sent yet.
    if (noAnswerFromTemporal(err)) throw err;
  }
  if (count === 0) throw noWorker(taskQueue);
}
