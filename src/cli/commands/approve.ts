import type { Command } from 'commander';
import { z } from 'zod';
import { decide } from '../../app/incidents.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, withClient } from '../shared.ts';

const DecisionOptions = z.object({
  id: IncidentIdSchema,
  step: z.string().regex(/^[a-z0-9-]+$/, 'a step id like enable-fallback'),
  by: PersonSchema,
  comment: z.string().optional(),
  json: z.boolean().default(false),
});

export function register(program: Command, ctx: CliContext): void {
  for (const decision of ['approved', 'rejected'] as const) {
    const name = decision === 'approved' ? 'approve' : 'reject';
    program
      .command(name)
      .description(`${decision === 'approved' ? 'Approve' : 'Reject'} a pending step; says at once if the step is unknown, already decided or not allowed`)
      .argument('<id>', 'incident id')
      .argument('<step>', 'step id, as `runbook status <id>` shows it')
      .requiredOption('--by <name>', 'who decides (recorded in history)')
      .option('--comment <text>', 'why')
      .option('--json', 'print {"accepted", "message"}')
      .action(async (id: string, step: string, raw: Record<string, unknown>) => {
        const options = parseOptions(DecisionOptions, { ...raw, id, step });
        await withClient(ctx, async ({ client }) => {
          const message = await decide(client, options.id, { stepId: options.step, by: options.by, comment: options.comment, decision });
          if (options.json) writeJson(ctx, { accepted: true, message });
          else ctx.stdout.write(`${message}\n`);
        });
      });
  }
}
