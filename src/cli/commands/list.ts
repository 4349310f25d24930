import type { Command } from 'commander';
import { z } from 'zod';
import { listIncidents } from '../../app/incidents.ts';
import { SeveritySchema } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { formatColumns, parseOptions, withClient } from '../shared.ts';

const ListOptions = z.object({
  all: z.boolean().default(false),
  severity: SeveritySchema.optional(),
  cause: z
    .string()
    .regex(/^[a-z_]+$/, 'a cause like provider_outage')
    .optional(),
  json: z.boolean().default(false),
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description('Open incidents, with owner and approvals waiting (a visibility query: no worker is asked)')
    .option('--all', 'closed incidents too')
    .option('--severity <P1|P2|P3|P4>', 'only this severity')
    .option('--cause <cause>', 'only this cause')
    .option('--json', 'print a JSON array')
    .action(async (raw: unknown) => {
      const options = parseOptions(ListOptions, raw);
      await withClient(ctx, async ({ client }) => {
        const rows = await listIncidents(client, options);
        if (options.json) return writeJson(ctx, rows);
        if (rows.length === 0) {
          ctx.stdout.write(options.all ? 'No incidents.\n' : 'No open incidents. (--all shows closed ones)\n');
          return;
        }
        // Shown only when Temporal reports one: an incident whose workflow tasks keep failing is stuck.
        const problems = rows.some((r) => r.problem);
        const table = [
          ['INCIDENT', 'SEVERITY', 'CAUSE', 'STATE', 'OWNER', 'APPROVALS', 'STARTED', ...(problems ? ['PROBLEM'] : [])],
          ...rows.map((r) => [
            r.incidentId,
            r.severity ?? '-',
            r.cause ?? '-',
            r.state ?? r.status.toLowerCase(),
            r.attention.owner ?? '-',
            r.status === 'RUNNING' ? String(r.attention.approvalsPending) : '-',
            r.startedAt.slice(0, 16).replace('T', ' '),
            ...(problems ? [r.problem ?? '-'] : []),
          ]),
        ];
        ctx.stdout.write(formatColumns(table));
      });
    });
}
