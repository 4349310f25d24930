import type { Command } from 'commander';
import type { SignalDefinition } from '@temporalio/common';
import { z } from 'zod';
import { signalIncident } from '../app/incidents.ts';
import type { CliContext } from './context.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, TextArgumentSchema, withClient } from './shared.ts';

export interface SignalCommandSpec {
  name: string;
  /** Its definition in the contract (src/contract/signals.ts): every payload carries `by`. */
  signal: SignalDefinition<[{ by: string }]>;
  description: string;
  /** The free-text argument after the id, and the payload field it fills. */
  text?: { argument: string; field: 'text' | 'reason' };
  done: (id: string) => string;
}

/** ack, note, root-cause, resolve, cancel: one signal each, validated before it is sent. */
export function registerSignalCommand(program: Command, ctx: CliContext, spec: SignalCommandSpec): void {
  const command = program.command(spec.name).description(spec.description).argument('<id>', 'incident id');
  if (spec.text) command.argument(`<${spec.text.argument}>`, spec.text.argument);
  // --by is checked by the schema, not by commander, so missing arguments are reported first.
  command.option('--by <name>', 'who is acting (recorded in history; required)').action(async (...args: unknown[]) => {
    const id = args[0] as string;
    const text = spec.text ? (args[1] as string) : undefined;
    const raw = args[spec.text ? 2 : 1] as Record<string, unknown>;
    const options = parseOptions(
      z.object({
        id: IncidentIdSchema,
        text: spec.text ? TextArgumentSchema(spec.text.argument) : z.undefined(),
        by: PersonSchema,
      }),
      { id, by: raw.by ?? '', text },
      ['id', 'text'],
    );
    await withClient(ctx, async ({ client }) => {
      const payload = spec.text ? { by: options.by, [spec.text.field]: options.text } : { by: options.by };
      const sent = await signalIncident(client, options.id, spec.signal, payload);
      ctx.stdout.write(`${spec.done(options.id)}\n`);
      if (!sent.workerPolling)
        ctx.stderr.write(
          `runbook: warning: no worker is polling task queue "${sent.taskQueue}" — the signal is recorded and acted on once one runs (\`runbook worker\` or \`runbook dev\`)\n`,
        );
    });
  });
}
