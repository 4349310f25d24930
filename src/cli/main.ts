// src/cli: the `runbook` command: parses arguments, calls src/app, prints, and maps errors to exit codes (errors.ts).
import { Command, CommanderError } from 'commander';
import { processContext, type CliContext } from './context.ts';
import { EXIT, reportError } from './errors.ts';
import { register as registerDev } from './commands/dev.ts';
import { register as registerWorker } from './commands/worker.ts';
import { register as registerTriage } from './commands/triage.ts';
import { register as registerSimulate } from './commands/simulate.ts';
import { register as registerStart } from './commands/start.ts';
import { register as registerList } from './commands/list.ts';
import { register as registerStatus } from './commands/status.ts';
import { register as registerApprove } from './commands/approve.ts';
import { register as registerAck } from './commands/ack.ts';
import { register as registerNote } from './commands/note.ts';
import { register as registerRootCause } from './commands/root-cause.ts';
import { register as registerResolve } from './commands/resolve.ts';
import { register as registerCancel } from './commands/cancel.ts';
import { register as registerProvideSecret } from './commands/provide-secret.ts';
import { register as registerTimeline } from './commands/timeline.ts';
import { register as registerPostmortem } from './commands/postmortem.ts';
import { register as registerAudit } from './commands/audit.ts';
import { register as registerDrill } from './commands/drill.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerSchedule } from './commands/schedule.ts';

/** Builds the program; every command lives in its own file under ./commands and registers itself here. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('runbook')
    .description('Executable incident runbooks on Temporal: probe, decide, ask a human, remediate, monitor, write the postmortem.')
    .showHelpAfterError('(run `runbook --help` for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  registerDev(program, ctx);
  registerWorker(program, ctx);
  registerTriage(program, ctx);
  registerSimulate(program, ctx);
  registerStart(program, ctx);
  registerList(program, ctx);
  registerStatus(program, ctx);
  registerApprove(program, ctx);
  registerAck(program, ctx);
  registerNote(program, ctx);
  registerRootCause(program, ctx);
  registerResolve(program, ctx);
  registerCancel(program, ctx);
  registerProvideSecret(program, ctx);
  registerTimeline(program, ctx);
  registerPostmortem(program, ctx);
  registerAudit(program, ctx);
  registerDrill(program, ctx);
  registerServe(program, ctx);
  registerSchedule(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError(`(run \`runbook ${command.name()} --help\` for usage)`);
  }
  return program;
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.ok;
      }
      // Commander already printed the message; usage errors are exit 2.
      return EXIT.usage;
    }
    return reportError(err, ctx);
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
