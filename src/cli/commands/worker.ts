import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { createLogger, installRuntimeLogger } from '../../infra/logger.ts';
import { loadTemporalTarget } from '../../infra/temporal-connection.ts';
import { startWorkerMetrics } from '../../worker/metrics.ts';
import { runWorker, workerPreflight } from '../../worker/run-worker.ts';
import type { CliContext } from '../context.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'Run the incident worker alone against the configured Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...)',
    )
    .action(async () => {
      const config = loadConfig(ctx.env);
      // Configuration mistakes end the command before the Temporal runtime (which keeps the process alive) exists.
      const deps = workerPreflight(config);
      const logger = createLogger({ level: config.RUNBOOK_LOG_LEVEL, format: config.RUNBOOK_LOG_FORMAT });
      const metrics = await startWorkerMetrics(config, logger);
      if (metrics) ctx.stderr.write(`Worker metrics: ${metrics.url}\n`);
      installRuntimeLogger(logger, metrics?.coreBindAddress);
      try {
        await runWorker(config, loadTemporalTarget(ctx.env), logger, deps);
      } finally {
        await metrics?.close();
      }
    });
}
