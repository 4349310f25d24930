import type { Logger } from 'pino';
import { connectClient } from '../app/temporal-client.ts';
import type { ServiceCatalog } from '../activities/catalog.ts';
import type { AppConfig } from '../config/index.ts';
import { startConsole } from '../server/serve.ts';
import { consoleBanner } from './commands/serve.ts';
import type { CliContext } from './context.ts';
import { interruptibleStartup } from './startup-signals.ts';

/**
 * `runbook dev` also serves the console, so a new user can open and approve an incident in the
 * browser with nothing else to set up. A taken console port is not fatal: the worker is the
 * main job, so dev says so and runs without the console.
 */
export interface DevConsole {
  /** The lines `runbook dev` prints: the URL and the login link. */
  banner: string;
  stop(): Promise<void>;
}

/**
 * `ownDevServer`: dev started the local Temporal dev server itself (only then may alert incidents run on drill timings).
 * `catalog`: the worker's own, so the console offers and checks exactly the services the worker serves.
 */
export async function startDevConsole(
  ctx: CliContext,
  env: NodeJS.ProcessEnv,
  config: AppConfig,
  logger: Logger,
  ownDevServer: boolean,
  catalog: ServiceCatalog,
): Promise<DevConsole> {
  // SIGINT/SIGTERM while the console starts stop it and end dev (exit 130/143), like the server's start.
  return interruptibleStartup(async (signal) => {
    const connected = await connectClient(env);
    try {
      const running = await startConsole({
        client: connected.client,
        config,
        env,
        logger,
        mode: ownDevServer ? 'local-dev-server' : 'service',
        devMode: ownDevServer,
        catalog,
      });
      const stop = async () => {
        await running.close();
        await connected.close();
      };
      if (signal.aborted) {
        await stop();
        throw new Error('interrupted while the console started');
      }
      return { banner: consoleBanner(running), stop };
    } catch (err) {
      await connected.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      ctx.stderr.write(
        `runbook: console not started: port ${config.RUNBOOK_CONSOLE_PORT} is taken (choose another with RUNBOOK_CONSOLE_PORT)\n`,
      );
      return { banner: '', stop: async () => undefined };
    }
  });
}
