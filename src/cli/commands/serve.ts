import { once } from 'node:events';
import type { Command } from 'commander';
import { z } from 'zod';
import { connectClient } from '../../app/temporal-client.ts';
import { loadConfig } from '../../config/index.ts';
import { catalogFromConfig } from '../../config/service-catalog.ts';
import { createLogger } from '../../infra/logger.ts';
import { alertTimings } from '../../server/intake/timings.ts';
import { startConsole } from '../../server/serve.ts';
import type { CliContext } from '../context.ts';
import { parseOptions } from '../shared.ts';

const ServeOptions = z.object({
  port: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'The incident console: a web page to open, follow and approve incidents (local login link, or OpenID Connect)',
    )
    .option('--port <port>', 'port (default: RUNBOOK_CONSOLE_PORT or 8780)')
    .option(
      '--host <address>',
      'address to bind (default: RUNBOOK_CONSOLE_HOST or 127.0.0.1; others need RUNBOOK_OIDC_ISSUER)',
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(ServeOptions, raw);
      const config = loadConfig(ctx.env);
      // Refused before connecting: drill timings for alerts belong to `runbook dev` on its own dev server.
      alertTimings(config, 'service');
      // Read once: pages and alerts use this catalog until the console restarts.
      const catalog = catalogFromConfig(config);
      const logger = createLogger({ level: config.RUNBOOK_LOG_LEVEL, format: config.RUNBOOK_LOG_FORMAT });
      const connected = await connectClient(ctx.env);
      try {
        const running = await startConsole({
          client: connected.client,
          config,
          env: ctx.env,
          logger,
          port: options.port,
          host: options.host,
          catalog,
        });
        ctx.stdout.write(consoleBanner(running));
        await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
        await running.close();
      } finally {
        await connected.close();
      }
    });
}

/** What `serve` and `dev` print: the URL, and in local mode the one-time login link. */
export function consoleBanner(running: { url: string; loginUrl: string | null }): string {
  return (
    `Incident console: ${running.url}\n` +
    (running.loginUrl
      ? `Sign in (one-time link, this user only): ${running.loginUrl}\nA new link, after sign-out or once this one is used or expired: runbook login-link\n`
      : 'Sign in with your identity provider.\n')
  );
}
