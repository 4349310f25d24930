import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { incidentPostmortem } from '../../app/incidents.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, withClient } from '../shared.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('postmortem')
    .description("The postmortem in the runbook's template: the final one once resolved, the draft so far while open")
    .argument('<id>', 'incident id')
    .option('--out <file>', 'write it to a file instead of stdout')
    .option('--json', 'print {"final", "markdown"}')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(
        z.object({ id: IncidentIdSchema, out: z.string().min(1).optional(), json: z.boolean().default(false) }),
        { ...raw, id },
        ['id'],
      );
      await withClient(ctx, async ({ client }) => {
        const { markdown, final } = await incidentPostmortem(client, options.id);
        if (options.out) {
          await writeFile(options.out, markdown, 'utf8');
          ctx.stdout.write(
            `${final ? 'Postmortem' : 'Draft postmortem (incident still open)'} written to ${options.out}\n`,
          );
        } else if (options.json) writeJson(ctx, { final, markdown });
        else ctx.stdout.write(markdown);
      });
    });
}
