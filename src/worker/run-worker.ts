import { existsSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { ConfigError, type AppConfig } from '../config/index.ts';
import type { TemporalTarget } from '../infra/temporal-connection.ts';
import { createIncidentWorker } from './create-worker.ts';
import { loadRunbookDocuments } from '../app/runbook-documents.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { activityDepsFromConfig } from './deps.ts';
import { checkWorkerMetricsConfig } from './metrics.ts';

/**
 * Every configuration check the worker makes, done before anything is started: once the Temporal
 * runtime exists it keeps the process alive and takes over SIGINT, so a mistake found after it
 * would leave a process that printed an error and went on running.
 */
export function workerPreflight(config: AppConfig): ActivityDeps {
  // The catalog names runbooks: every document is loaded (and a bad one refused) before it is read.
  loadRunbookDocuments(config.RUNBOOK_RUNBOOKS_DIR);
  const deps = activityDepsFromConfig(config);
  checkWorkerMetricsConfig(config);
  if (config.RUNBOOK_WORKFLOW_BUNDLE && !existsSync(config.RUNBOOK_WORKFLOW_BUNDLE)) {
    throw new ConfigError(`RUNBOOK_WORKFLOW_BUNDLE ${config.RUNBOOK_WORKFLOW_BUNDLE}: no such file — build it with \`npm run build:workflows\` or unset RUNBOOK_WORKFLOW_BUNDLE`);
  }
  return deps;
}

/**
 * Runs the worker until the process is told to stop. The SDK installs its own SIGINT/SIGTERM
 * handling (graceful shutdown, draining in-flight tasks): we deliberately do not override it.
 */
export async function runWorker(config: AppConfig, target: TemporalTarget, logger: Logger, deps: ActivityDeps): Promise<void> {
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await createIncidentWorker({
      connection,
      namespace: target.namespace,
      taskQueue: config.RUNBOOK_TASK_QUEUE,
      deps,
      sizing: {
        ...(config.RUNBOOK_WORKER_CACHE !== undefined ? { maxCachedWorkflows: config.RUNBOOK_WORKER_CACHE } : {}),
        ...(config.RUNBOOK_WORKER_ACTIVITY_SLOTS !== undefined ? { maxConcurrentActivityTaskExecutions: config.RUNBOOK_WORKER_ACTIVITY_SLOTS } : {}),
        ...(config.RUNBOOK_WORKER_WORKFLOW_SLOTS !== undefined ? { maxConcurrentWorkflowTaskExecutions: config.RUNBOOK_WORKER_WORKFLOW_SLOTS } : {}),
      },
      workflowBundlePath: config.RUNBOOK_WORKFLOW_BUNDLE,
    });
    logger.info(
      {
        namespace: target.namespace,
        taskQueue: config.RUNBOOK_TASK_QUEUE,
        address: target.connectionOptions.address,
        remediationTarget: config.RUNBOOK_REMEDIATION_TARGET,
        workflowBundle: config.RUNBOOK_WORKFLOW_BUNDLE ?? null,
      },
      'worker started',
    );
    await worker.run();
    logger.info({ taskQueue: config.RUNBOOK_TASK_QUEUE }, 'worker stopped');
  } finally {
    await connection.close();
  }
}
