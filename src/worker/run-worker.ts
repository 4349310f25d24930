import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.ts';
import { createLogger, installRuntimeLogger } from '../infra/logger.ts';
import { loadTemporalTarget, type TemporalTarget } from '../infra/temporal-connection.ts';
import { createIncidentWorker } from './create-worker.ts';
import { loadRunbookDocuments } from './runbook-documents.ts';
import type { ActivityDeps } from '../activities/index.ts';
import { activityDepsFromConfig } from './deps.ts';
import { checkWorkerMetricsConfig, startWorkerMetrics } from './metrics.ts';
import { bundleIncidentWorkflows } from '../infra/workflow-bundle.ts';
import { makeCurrentVersion } from './current-version.ts';
import { deploymentNameOf, workerVersionOf } from './deployment.ts';

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
  deploymentNameOf(config);
  checkWorkflowBundleConfig(config);
  return deps;
}

export interface RunWorkerOptions {
  /** Make this worker's build the deployment's current version (`runbook dev`); default RUNBOOK_MAKE_CURRENT. */
  makeCurrent?: boolean;
  /**
   * Stops the worker gracefully once it runs, or as soon as it does: a stop asked for before the
   * SDK has installed its own signal handling must not be lost.
   */
  stopSignal?: AbortSignal;
}

/** A configured prebuilt bundle must exist: refused before anything starts. */
export function checkWorkflowBundleConfig(config: Pick<AppConfig, 'RUNBOOK_WORKFLOW_BUNDLE'>): void {
  if (config.RUNBOOK_WORKFLOW_BUNDLE && !existsSync(config.RUNBOOK_WORKFLOW_BUNDLE)) {
    throw new ConfigError(
      `RUNBOOK_WORKFLOW_BUNDLE ${config.RUNBOOK_WORKFLOW_BUNDLE}: no such file — build it with \`npm run build:workflows\` or unset RUNBOOK_WORKFLOW_BUNDLE`,
    );
  }
}

/** The prebuilt bundle when one is configured (`npm run build:workflows`), else undefined. */
export async function configuredWorkflowBundle(config: Pick<AppConfig, 'RUNBOOK_WORKFLOW_BUNDLE'>) {
  checkWorkflowBundleConfig(config);
  return config.RUNBOOK_WORKFLOW_BUNDLE ? readFile(config.RUNBOOK_WORKFLOW_BUNDLE, 'utf8') : undefined;
}

/** The workflow code the worker runs: the prebuilt bundle, or the workflows bundled now. */
async function workflowBundleCode(config: AppConfig): Promise<string> {
  return (await configuredWorkflowBundle(config)) ?? bundleIncidentWorkflows({ logger: Runtime.instance().logger });
}

/**
 * New incidents start on the deployment's current version. A worker becomes it when told to, or when
 * nothing is current yet (a first deployment); otherwise the operator decides (docs/upgrades.md).
 */
async function takeCurrentVersion(
  client: Client,
  taskQueue: string,
  version: WorkerDeploymentVersion,
  makeCurrent: boolean,
  logger: Logger,
): Promise<boolean> {
  const result = await makeCurrentVersion(client, version, { onlyIfNone: !makeCurrent, taskQueue });
  if (result.outcome !== 'left') return true;
  logger.info(
    { deploymentName: version.deploymentName, buildId: version.buildId, currentBuildId: result.current.buildId },
    `build ${version.buildId} serves the incidents pinned to it; new incidents start on ${result.current.buildId} until ` +
      `\`temporal worker deployment set-current-version --deployment-name ${version.deploymentName} --build-id ${version.buildId}\``,
  );
  return false;
}

/**
 * Runs the worker until the process is told to stop. The SDK installs its own SIGINT/SIGTERM
 * handling (graceful shutdown, draining in-flight tasks): we deliberately do not override it.
 */
export async function runWorker(
  config: AppConfig,
  target: TemporalTarget,
  logger: Logger,
  deps: ActivityDeps,
  options: RunWorkerOptions = {},
): Promise<void> {
  const code = await workflowBundleCode(config);
  const version = workerVersionOf(config, code);
  const connection = await NativeConnection.connect(target.connectionOptions);
  try {
    const worker = await createIncidentWorker({
      connection,
      namespace: target.namespace,
      taskQueue: config.RUNBOOK_TASK_QUEUE,
      deps,
      sizing: {
        ...(config.RUNBOOK_WORKER_CACHE !== undefined ? { maxCachedWorkflows: config.RUNBOOK_WORKER_CACHE } : {}),
        ...(config.RUNBOOK_WORKER_ACTIVITY_SLOTS !== undefined
          ? { maxConcurrentActivityTaskExecutions: config.RUNBOOK_WORKER_ACTIVITY_SLOTS }
          : {}),
        ...(config.RUNBOOK_WORKER_WORKFLOW_SLOTS !== undefined
          ? { maxConcurrentWorkflowTaskExecutions: config.RUNBOOK_WORKER_WORKFLOW_SLOTS }
          : {}),
      },
      workflowBundleCode: code,
      deployment: version,
    });
    // Polling first: the server makes a version current only once it has seen it poll.
    const running = worker.run();
    stopOn(options.stopSignal, worker);
    const client = new Client({ connection, namespace: target.namespace });
    let current: boolean | 'stopped';
    try {
      // A signal meanwhile stops the worker (the SDK's handling): then there is nothing left to make current.
      current = await Promise.race([
        takeCurrentVersion(
          client,
          config.RUNBOOK_TASK_QUEUE,
          version,
          options.makeCurrent ?? config.RUNBOOK_MAKE_CURRENT ?? false,
          logger,
        ),
        running.then(() => 'stopped' as const),
      ]);
    } catch (err) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      throw err;
    }
    if (current === 'stopped') {
      logger.info({ taskQueue: config.RUNBOOK_TASK_QUEUE }, 'worker stopped');
      return;
    }
    logger.info(
      {
        namespace: target.namespace,
        taskQueue: config.RUNBOOK_TASK_QUEUE,
        address: target.connectionOptions.address,
        remediationTarget: config.RUNBOOK_REMEDIATION_TARGET,
        workflowBundle: config.RUNBOOK_WORKFLOW_BUNDLE ?? null,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        current,
      },
      'worker started',
    );
    await running;
    logger.info({ taskQueue: config.RUNBOOK_TASK_QUEUE }, 'worker stopped');
  } finally {
    await connection.close();
  }
}

function stopOn(signal: AbortSignal | undefined, worker: Awaited<ReturnType<typeof createIncidentWorker>>): void {
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
}

/**
 * The worker as `runbook worker` and the production entry point (`node src/worker/main.ts`) run it,
 * configured from `env`: configuration mistakes end it before the Temporal runtime exists, then
 * logs, metrics (their address told to `announce`) and the worker until it shuts down.
 */
export async function runConfiguredWorker(
  env: NodeJS.ProcessEnv,
  announce: (line: string) => void = () => undefined,
): Promise<void> {
  const config = loadConfig(env);
  const deps = workerPreflight(config);
  const logger = createLogger({ level: config.RUNBOOK_LOG_LEVEL, format: config.RUNBOOK_LOG_FORMAT });
  const metrics = await startWorkerMetrics(config, logger);
  if (metrics) announce(`Worker metrics: ${metrics.url}`);
  installRuntimeLogger(logger, metrics?.coreBindAddress);
  try {
    await runWorker(config, loadTemporalTarget(env), logger, deps);
  } finally {
    await metrics?.close();
  }
}
