import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { registerSignalCommand } from '../signal-command.ts';

export function register(program: Command, ctx: CliContext): void {
  registerSignalCommand(program, ctx, {
    name: 'ack',
    signal: 'acknowledge',
    description: 'Acknowledge the incident: you own it, SLA escalation stops',

    done: (id) => `Acknowledged ${id}`,
  });
}
