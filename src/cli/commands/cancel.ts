import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'cancel',
    signal: 'cancel',
    description: 'Cancel: reverts every applied change first, then closes',
    text: { argument: 'reason', field: 'reason' },
    done: (id) => `Cancellation requested for ${id}`,
  });
}
