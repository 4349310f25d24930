import type { Command } from 'commander';
import { z } from 'zod';
import { auditIncident } from '../../app/audit.ts';
import { incidentHandle } from '../../app/incidents.ts';
import { terminalSafe } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, withClient } from '../shared.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description(
      'The audit trail from workflow HISTORY: every signal with who and when, every probe, change and revert, every timer',
    )
    .argument('<id>', 'incident id')
    .option('--json', 'print the entries as JSON')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(
        z.object({ id: IncidentIdSchema, json: z.boolean().default(false) }),
        { ...raw, id },
        ['id'],
      );
      await withClient(ctx, async ({ client }) => {
        await incidentHandle(client, options.id);
        const entries = await auditIncident(client, options.id);
        if (options.json) return writeJson(ctx, entries);
        for (const e of entries)
          ctx.stdout.write(
            `${terminalSafe(`${e.at.slice(0, 19).replace('T', ' ')}  ${e.kind.padEnd(12)} ${(e.who ?? '-').padEnd(12)} ${e.what}`)}\n`,
          );
      });
    });
}
