import type { Command } from 'commander';
import { cancelSignal } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'cancel',
    signal: cancelSignal,
    description: 'Cancel: reverts every applied change first, then closes',
    text: { argument: 'reason', field: 'reason' },
    done: (id) => `Cancellation requested for ${id}`,
  });
}
