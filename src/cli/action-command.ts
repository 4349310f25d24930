import type { Command } from 'commander';
import { z } from 'zod';
import { act } from '../app/actions.ts';
import { FreeTextSchema, type ActionRequest } from '../contract/index.ts';
import { writeJson, type CliContext } from './context.ts';
import {
  IncidentIdSchema,
  parseOptions,
  PersonSchema,
  StepIdSchema,
  TextArgumentSchema,
  withClient,
} from './shared.ts';

export interface ActionCommandSpec {
  name: string;
  action: ActionRequest['action'];
  description: string;
  /** resolve/cancel take a reason; revert takes the step to revert; verify an optional --reason. */
  argument?: 'reason' | 'step';
}

/** resolve, cancel, verify, revert: one update each, refused at once (exit 2) when the incident's state does not allow it. */
export function registerActionCommand(program: Command, ctx: CliContext, spec: ActionCommandSpec): void {
  const command = program.command(spec.name).description(spec.description).argument('<id>', 'incident id');
  if (spec.argument)
    command.argument(
      `<${spec.argument}>`,
      spec.argument === 'step' ? 'the change to revert, as `runbook status <id>` lists it' : 'reason',
    );
  if (spec.argument !== 'reason') command.option('--reason <text>', 'why');
  command
    .option('--by <name>', 'who is acting (recorded in history; required)')
    .option('--json', 'print {"accepted", "message"}')
    .action(async (...args: unknown[]) => {
      const id = args[0] as string;
      const value = spec.argument ? (args[1] as string) : undefined;
      const raw = args[spec.argument ? 2 : 1] as Record<string, unknown>;
      // Positional names as the other commands report them: `<text>` for a reason, `<step>` for a change.
      const positional = spec.argument === 'step' ? 'step' : 'text';
      const parsed = parseOptions(
        z.object({
          id: IncidentIdSchema,
          [positional]:
            spec.argument === 'reason'
              ? TextArgumentSchema('reason')
              : spec.argument === 'step'
                ? StepIdSchema
                : z.undefined(),
          reason: FreeTextSchema.optional(),
          by: PersonSchema,
          json: z.boolean().default(false),
        }),
        { id, [positional]: value, by: raw.by ?? '', reason: raw.reason, json: raw.json },
        ['id', positional],
      ) as { id: string; by: string; reason?: string; json: boolean } & Record<string, string | undefined>;
      const options = { ...parsed, value: parsed[positional] };
      await withClient(ctx, async ({ client }) => {
        const reason = spec.argument === 'reason' ? options.value : options.reason;
        const message = await act(client, options.id, {
          action: spec.action,
          by: options.by,
          ...(reason ? { reason } : {}),
          ...(spec.argument === 'step' ? { step: options.value } : {}),
          via: { channel: 'cli' },
        });
        if (options.json) writeJson(ctx, { accepted: true, message });
        else ctx.stdout.write(`${message}\n`);
      });
    });
}
