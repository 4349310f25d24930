import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerActionCommand } from '../action-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerActionCommand(program, ctx, {
    name: 'resolve',
    action: 'resolve',
    description:
      'Resolve by hand: reverts every change still applied that was not deliberately kept, then closes (even if the provider still fails)',
    argument: 'reason',
  });
}
