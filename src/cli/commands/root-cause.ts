import type { Command } from 'commander';
import { setRootCauseSignal } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'root-cause',
    signal: setRootCauseSignal,
    description: 'Record the root cause (it goes into the postmortem)',
    text: { argument: 'root cause', field: 'text' },
    done: (id) => `Root cause recorded for ${id}`,
  });
}
