import type { Command } from 'commander';
import { acknowledgeSignal } from '../../contract/index.ts';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'ack',
    signal: acknowledgeSignal,
    description: 'Acknowledge the incident: you own it, SLA escalation stops',

    done: (id) => `Acknowledged ${id}`,
  });
}
