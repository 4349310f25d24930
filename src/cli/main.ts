import { Command, CommanderError } from 'commander';
import { processContext, type CliContext } from './context.ts';
import { EXIT, reportError } from './errors.ts';
import { register as registerDev } from './commands/dev.ts';
import { register as registerWorker } from './commands/worker.ts';
import { register as registerTriage } from './commands/triage.ts';
import { register as registerSimulate } from './commands/simulate.ts';

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
