import type { Command } from 'commander';
import { z } from 'zod';
import { provideSecretRef } from '../../app/secret-refs.ts';
import { parseSecretRef } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, StepIdSchema, withClient } from '../shared.ts';

const Options = z.object({
  id: IncidentIdSchema,
  step: StepIdSchema,
  ref: z.string().min(1, 'where the new secret lives: --ref env:NAME'),
  by: PersonSchema,
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('provide-secret')
    .description(
      'Hand the incident a REFERENCE to a new secret (env:NAME, file:/path, k8s:[ns/]name#key) — never the value',
    )
    .argument('<id>', 'incident id')
    .argument('<step>', 'the step asking for it, e.g. new-key-reference')
    // Required, but checked by the schema so that missing arguments are reported first.
    .option('--ref <reference>', 'where the new secret lives (required)')
    .option('--by <name>', 'who provides it (required)')
    .action(async (id: string, step: string, raw: Record<string, unknown>) => {
      const options = parseOptions(Options, { ref: '', by: '', ...raw, id, step }, ['id', 'step']);
      // The reference is checked before connecting: a mistyped one is a usage error (exit 2).
      try {
        parseSecretRef(options.ref);
      } catch (err) {
        throw new UsageError(`--ref ${(err as Error).message}`);
      }
      await withClient(ctx, async ({ client }) => {
        const sent = await provideSecretRef(client, options.id, {
          by: options.by,
          stepId: options.step,
          ref: options.ref,
        });
        ctx.stdout.write(`Secret reference ${sent.described} sent to ${options.id} (${options.step})\n`);
        if (!sent.workerPolling)
          ctx.stderr.write(
            `runbook: warning: no worker is polling task queue "${sent.taskQueue}" — the reference is recorded and used once one runs (\`runbook worker\` or \`runbook dev\`)\n`,
          );
      });
    });
}
