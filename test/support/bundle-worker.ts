import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { loadConfig } from '../../src/config/index.ts';
import { createIncidentWorker } from '../../src/worker/create-worker.ts';
import { activityDepsFromConfig } from '../../src/worker/deps.ts';
import { connectTestClient, connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from './temporal.ts';

/** Runs `use` with a client while an incident worker runs `bundle` on a task queue of its own (or the one given). */
export async function withBundleWorker<T>(
  bundle: { workflowBundlePath: string } | { workflowBundleCode: string },
  use: (client: Client, taskQueue: string) => Promise<T>,
  overrides: Partial<WorkerOptions> = {},
  taskQueue = uniqueTaskQueue('bundle'),
): Promise<T> {
  const connection = await connectWorkerConnection();
  const worker = await createIncidentWorker({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    deps: activityDepsFromConfig(loadConfig({})),
    overrides,
    ...bundle,
  });
  const { client, close } = await connectTestClient();
  try {
    return await worker.runUntil(use(client, taskQueue));
  } finally {
    await close();
    await connection.close();
  }
}
