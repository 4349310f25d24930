import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'note',
    signal: 'note',
    description: 'Add a note to the timeline',
    text: { argument: 'note', field: 'text' },
    done: (id) => `Note added to ${id}`,
  });
}
