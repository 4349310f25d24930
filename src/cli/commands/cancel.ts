import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerActionCommand } from '../action-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerActionCommand(program, ctx, {
    name: 'cancel',
    action: 'cancel',
    description:
      'Cancel: reverts every change still applied that was not deliberately kept (fallback too, even if the provider still fails), then closes',
    argument: 'reason',
  });
}
