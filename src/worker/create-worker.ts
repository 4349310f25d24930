import { existsSync } from 'node:fs';
import { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { WORKFLOWS_PATH, workflowBundlerOptions } from '../infra/workflow-bundle.ts';
import { versionedWorkerOptions } from './deployment.ts';
import { withPreloadedWorkflowThreads } from './workflow-threads.ts';

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt bundle (production); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** An already built bundle (tests share one across workers). */
  workflowBundleCode?: string;
  /** Tests override activity implementations here. */
  activities?: object;
  overrides?: Partial<WorkerOptions>;
  sizing?: Partial<WorkerSizing>;
  /** The worker's version (Worker Versioning, its incidents pinned to it); omitted: an unversioned worker. */
  deployment?: WorkerDeploymentVersion;
}

export interface WorkerSizing {
  maxCachedWorkflows: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
}

/**
 * Sized for a small worker (2 cores, ~1 GB). A cached incident holds ~0.46 MB of live heap while it
 * waits for an approval, and ~0.3 MB outside it (zod and the contract shared by every workflow on
 * a thread; `npm run bench:heap`), so 300 cached keep the worker under 1 GB with the collector's headroom;
 * an evicted incident replays a history kept short by continue-as-new. Activities are probes and
 * API calls that mostly wait on the network: many slots. Workflow tasks use CPU: ten per core keeps
 * the cores busy without a queue of tasks that would outwait their sticky timeout.
 */
export const DEFAULT_WORKER_SIZING: WorkerSizing = {
  maxCachedWorkflows: 300,
  maxConcurrentActivityTaskExecutions: 200,
  maxConcurrentWorkflowTaskExecutions: 20,
};

/**
 * The worker's activities: a client on its own connection lets synthetic checks open incidents and
 * read their schedule's ledger, and completes the hint watches.
 */
export function workerActivities(
  options: Pick<IncidentWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'deps'>,
) {
  return createActivities({
    intake: {
      client: new Client({ connection: options.connection, namespace: options.namespace }),
      taskQueue: options.taskQueue,
    },
    ...options.deps,
  });
}

export async function createIncidentWorker(options: IncidentWorkerOptions): Promise<Worker> {
  if (options.workflowBundlePath && !existsSync(options.workflowBundlePath)) {
    throw new Error(
      `workflow bundle not found at ${options.workflowBundlePath} — build it with \`npm run build:workflows\` or unset RUNBOOK_WORKFLOW_BUNDLE`,
    );
  }
  // Workflow threads that format a promise's stack trace only when a query reads it (promise-stacks.ts).
  return withPreloadedWorkflowThreads(() =>
    Worker.create({
      connection: options.connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      activities: options.activities ?? workerActivities(options),
      ...DEFAULT_WORKER_SIZING,
      ...options.sizing,
      // Under load a sticky task may wait longer than the default 10 s without the worker being gone;
      // timing out sends it to the shared queue, where it costs a full replay.
      stickyQueueScheduleToStartTimeout: '30 seconds',
      ...(options.deployment ? { workerDeploymentOptions: versionedWorkerOptions(options.deployment) } : {}),
      ...(options.workflowBundleCode
        ? { workflowBundle: { code: options.workflowBundleCode } }
        : options.workflowBundlePath
          ? { workflowBundle: { codePath: options.workflowBundlePath } }
          : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: workflowBundlerOptions() }),
      ...options.overrides,
    }),
  );
}
