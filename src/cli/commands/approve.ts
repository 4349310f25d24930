import type { Command } from 'commander';
import { z } from 'zod';
import { decide } from '../../app/incidents.ts';
import { FreeTextSchema } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, StepIdSchema, withClient } from '../shared.ts';

const DecisionOptions = z.object({
  id: IncidentIdSchema,
  step: StepIdSchema,
  by: PersonSchema,
  comment: FreeTextSchema.optional(),
  json: z.boolean().default(false),
});

export function register(program: Command, ctx: CliContext): void {
  for (const decision of ['approved', 'rejected'] as const) {
    const name = decision === 'approved' ? 'approve' : 'reject';
    program
      .command(name)
      .description(
        `${decision === 'approved' ? 'Approve' : 'Reject'} a pending step; says at once if the step is unknown, already decided or not allowed`,
      )
      .argument('<id>', 'incident id')
      .argument('<step>', 'step id, as `runbook status <id>` shows it')
      // Validated by the schema, not commander: missing <id> <step> are reported before a missing --by.
      .option('--by <name>', 'who decides (recorded in history; required)')
      .option('--comment <text>', 'why')
      .option('--json', 'print {"accepted", "message"}')
      .action(async (id: string, step: string, raw: Record<string, unknown>) => {
        const options = parseOptions(DecisionOptions, { ...raw, by: raw.by ?? '', id, step }, ['id', 'step']);
        await withClient(ctx, async ({ client }) => {
          const message = await decide(client, options.id, {
            stepId: options.step,
            by: options.by,
            comment: options.comment,
            decision,
            via: { channel: 'cli' },
          });
          if (options.json) writeJson(ctx, { accepted: true, message });
          else ctx.stdout.write(`${message}\n`);
        });
      });
  }
}
