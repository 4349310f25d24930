import type { Command } from 'commander';
import { z } from 'zod';
import { signalIncident } from '../../app/incidents.ts';
import { describeSecretRef, parseSecretRef, provideSecretRefSignal } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, withClient } from '../shared.ts';

const Options = z.object({ id: IncidentIdSchema, step: z.string().regex(/^[a-z0-9-]+$/), by: PersonSchema, ref: z.string().min(1) });

export function register(program: Command, ctx: CliContext): void {
  program
    .command('provide-secret')
    .description('Hand the incident a REFERENCE to a new secret (env:NAME, file:/path, k8s:[ns/]name#key) — never the value')
    .argument('<id>', 'incident id')
    .argument('<step>', 'the step asking for it, e.g. new-key-reference')
    .requiredOption('--ref <reference>', 'where the new secret lives')
    .requiredOption('--by <name>', 'who provides it')
    .action(async (id: string, step: string, raw: Record<string, unknown>) => {
      const options = parseOptions(Options, { ...raw, id, step });
      let ref;
      try {
        ref = parseSecretRef(options.ref);
      } catch (err) {
        throw new UsageError(`--ref ${(err as Error).message}`);
      }
      await withClient(ctx, async ({ client }) => {
        await signalIncident(client, options.id, provideSecretRefSignal.name, { by: options.by, stepId: options.step, ref });
        ctx.stdout.write(`Secret reference ${describeSecretRef(ref)} sent to ${options.id} (${options.step})\n`);
      });
    });
}
