import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerActionCommand } from '../action-command.ts';

/** The choices of an incident a human owns (needs_human). */
export function register(program: Command, ctx: CliContext): void {
  registerActionCommand(program, ctx, {
    name: 'verify',
    action: 'verify_again',
    description: 'Verify again (needs_human only): check with real calls and resume the plan if they succeed',
  });
  registerActionCommand(program, ctx, {
    name: 'revert',
    action: 'revert_change',
    description:
      'Revert one change you choose to its recorded prior state (needs_human only), e.g. fallback while the provider still fails',
    argument: 'step',
  });
}
