import type { Command } from 'commander';
import { z } from 'zod';
import { formatEntry } from '../../app/follow.ts';
import { incidentTimeline } from '../../app/incidents.ts';
import { digestTimeline, humanDuration, terminalSafe, type DigestRow } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, withClient } from '../shared.ts';

/** `10:00:02Z  probe   Confirmation: … (3 times over 4 s)`: one line per row of the digest. */
export function formatDigestRow(row: DigestRow): string {
  const folded =
    row.count > 1 ? ` (${row.count} times over ${humanDuration(Date.parse(row.until) - Date.parse(row.at))})` : '';
  return terminalSafe(`${row.at.slice(11, 19)}Z  ${row.kind.padEnd(18)} ${row.text}${folded}`);
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('timeline')
    .description(
      "The incident's timeline (workflow time, UTC): one line per probe round, identical rounds folded; --raw for every entry",
    )
    .argument('<id>', 'incident id')
    .option('--raw', 'every entry as recorded, every probe on its own line')
    .option('--json', 'print the entries as JSON')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(
        z.object({ id: IncidentIdSchema, raw: z.boolean().default(false), json: z.boolean().default(false) }),
        { ...raw, id },
        ['id'],
      );
      await withClient(ctx, async ({ client }) => {
        const timeline = await incidentTimeline(client, options.id);
        if (options.json) return writeJson(ctx, timeline);
        const lines = options.raw ? timeline.map(formatEntry) : digestTimeline(timeline).map(formatDigestRow);
        ctx.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
