import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { registerSearchAttributes } from '../../app/search-attributes.ts';
import { loadConfig } from '../../config/index.ts';
import type { DevServer } from '../../infra/dev-server.ts';
import { createLogger, installRuntimeLogger } from '../../infra/logger.ts';
import { loadTemporalTarget, temporalAddressConfigured, type TemporalTarget } from '../../infra/temporal-connection.ts';
import { startWorkerMetrics, type WorkerMetrics } from '../../worker/metrics.ts';
import { runWorker, workerPreflight } from '../../worker/run-worker.ts';
import type { CliContext } from '../context.ts';
import { startDevConsole, type DevConsole } from '../dev-console.ts';
import { checkDevInputs, startOwnedDevServer } from '../dev-startup.ts';
import { holdStopSignals } from '../startup-signals.ts';

const DevOptionsSchema = z.object({
  port: z.coerce.number().int().min(1).max(65535).optional(),
  uiPort: z.coerce.number().int().min(1).max(65535).optional(),
  dataDir: z.string().min(1).optional(),
  ui: z.boolean(),
  console: z.boolean(),
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description(
      'Local Temporal dev server (SQLite in the data dir, Web UI) + the worker, in one process tree. ' +
        'With TEMPORAL_ADDRESS set, runs only the worker against that cluster.',
    )
    .option('--port <port>', 'Temporal gRPC port (default: RUNBOOK_DEV_PORT or 7233)')
    .option('--ui-port <port>', 'Web UI port (default: RUNBOOK_UI_PORT or 8233)')
    .option('--data-dir <dir>', 'where the SQLite state lives (default: RUNBOOK_DATA_DIR or ./.data)')
    .option('--no-ui', 'run the server without the Web UI')
    .option('--no-console', 'do not serve the incident console (RUNBOOK_CONSOLE_PORT, default 8780)')
    .action(async (raw: unknown) => {
      const options = DevOptionsSchema.parse(raw);
      const config = loadConfig(ctx.env);
      const ownServer = {
        port: options.port ?? config.RUNBOOK_DEV_PORT,
        uiPort: options.ui ? (options.uiPort ?? config.RUNBOOK_UI_PORT) : null,
        dataDir: options.dataDir ?? config.RUNBOOK_DATA_DIR,
      };
      // Mistakes in dev's own options, then in the configuration, end dev before it creates or starts anything.
      if (!temporalAddressConfigured(ctx.env)) checkDevInputs(ownServer);
      const deps = workerPreflight(config);
      const logger = createLogger({ level: config.RUNBOOK_LOG_LEVEL, format: config.RUNBOOK_LOG_FORMAT });

      let server: DevServer | undefined;
      let target: TemporalTarget;
      let clientEnv = ctx.env;
      let banner = '';
      if (temporalAddressConfigured(ctx.env)) {
        target = loadTemporalTarget(ctx.env);
        await registerSearchAttributes(target);
        ctx.stderr.write(
          `Using Temporal at ${target.connectionOptions.address} (namespace ${target.namespace}); no local server started.\n`,
        );
      } else {
        const dataDir = ownServer.dataDir;
        server = await startOwnedDevServer({
          ...ownServer,
          logger,
          notice: (line) => ctx.stderr.write(`runbook: ${line}\n`),
        });
        clientEnv = { ...ctx.env, TEMPORAL_ADDRESS: server.address };
        target = loadTemporalTarget(clientEnv);
        banner =
          `Temporal dev server: ${server.address} (namespace ${server.namespace}, state in ${join(dataDir, 'temporal.sqlite')})\n` +
          (server.uiUrl ? `Web UI: ${server.uiUrl}\n` : '');
      }
      // The console starts before anything says "ready", so a signal after that finds everything up.
      let devConsole: DevConsole | undefined;
      let metrics: WorkerMetrics | null;
      try {
        devConsole = options.console
          ? await startDevConsole(ctx, clientEnv, config, logger, server !== undefined, deps.catalog)
          : undefined;
        metrics = await startWorkerMetrics(config, logger);
      } catch (err) {
        await devConsole?.stop();
        await server?.stop();
        throw err;
      }
      const metricsBanner = metrics ? `Worker metrics: ${metrics.url}\n` : '';
      // "Press Ctrl-C" is a promise from here on, before the SDK handles signals: a Ctrl-C that comes
      // first is held and stops the worker as soon as it runs.
      const stop = holdStopSignals();
      ctx.stdout.write(`${banner}${devConsole?.banner ?? ''}${metricsBanner}Press Ctrl-C to stop.\n`);
      // Only now: the Temporal runtime takes over SIGINT/SIGTERM and keeps the process alive, which
      // during startup would swallow the first signal and hang after an error.
      installRuntimeLogger(logger, metrics?.coreBindAddress);
      try {
        await runWorker(config, target, logger, deps, { makeCurrent: true, stopSignal: stop.signal });
      } finally {
        stop.release();
        await metrics?.close();
        await devConsole?.stop();
        await server?.stop();
      }
    });
}
