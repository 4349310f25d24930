import type { Command } from 'commander';
import { resolveSignal } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'resolve',
    signal: resolveSignal,
    description: 'Resolve by hand: reverts every change still applied, then closes',
    text: { argument: 'reason', field: 'reason' },
    done: (id) => `Resolution requested for ${id}`,
  });
}
