import type { Command } from 'commander';
import { z } from 'zod';
import { formatEntry } from '../../app/follow.ts';
import { incidentTimeline } from '../../app/incidents.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, withClient } from '../shared.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('timeline')
    .description("The incident's timeline (workflow time): probes, decision, approvals, changes, notifications")
    .argument('<id>', 'incident id')
    .option('--json', 'print the entries as JSON')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(z.object({ id: IncidentIdSchema, json: z.boolean().default(false) }), { ...raw, id }, ['id']);
      await withClient(ctx, async ({ client }) => {
        const timeline = await incidentTimeline(client, options.id);
        if (options.json) return writeJson(ctx, timeline);
        ctx.stdout.write(`${timeline.map(formatEntry).join('\n')}\n`);
      });
    });
}
