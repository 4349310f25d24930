// src/worker: builds and runs the Temporal worker (activities from configuration, the service catalog, the workflow bundle).
// Production entry point: `node src/worker/main.ts` (the Docker image's command).
import { ConfigError, loadConfig } from '../config/index.ts';
import { createLogger, installRuntimeLogger } from '../infra/logger.ts';
import { loadTemporalTarget } from '../infra/temporal-connection.ts';
import { startWorkerMetrics } from './metrics.ts';
import { runWorker, workerPreflight } from './run-worker.ts';

try {
  const config = loadConfig();
  const deps = workerPreflight(config);
  const logger = createLogger({ level: config.RUNBOOK_LOG_LEVEL, format: config.RUNBOOK_LOG_FORMAT });
  const metrics = await startWorkerMetrics(config, logger);
  installRuntimeLogger(logger, metrics?.coreBindAddress);
  try {
    await runWorker(config, loadTemporalTarget(), logger, deps);
  } finally {
    await metrics?.close();
  }
} catch (err) {
  process.stderr.write(`runbook worker: ${(err as Error).message}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
}
