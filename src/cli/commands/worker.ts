import type { Command } from 'commander';
import { runConfiguredWorker } from '../../worker/run-worker.ts';
import type { CliContext } from '../context.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'Run the incident worker alone against the configured Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...)',
    )
    .action(() => runConfiguredWorker(ctx.env, (line) => ctx.stderr.write(`${line}\n`)));
}
