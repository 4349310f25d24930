// src/cli: the `runbook` command: parses arguments, calls src/app, prints, and maps errors to exit codes (errors.ts).
import { Command, CommanderError } from 'commander';
import { processContext, type CliContext } from './context.ts';
import { EXIT, reportError } from './errors.ts';
import { releaseForProcessEnd } from '../infra/process-end.ts';
// Each command is imported only when it runs: `runbook triage` needs neither the Temporal SDK nor
// the Kubernetes client, and loading every command's dependencies cost most of a one-shot's start-up.
type CommandModule = { register(program: Command, ctx: CliContext): void };
const approveAndReject = () => import('./commands/approve.ts');
const handOver = () => import('./commands/hand-over.ts');
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  dev: () => import('./commands/dev.ts'),
  worker: () => import('./commands/worker.ts'),
  triage: () => import('./commands/triage.ts'),
  simulate: () => import('./commands/simulate.ts'),
  start: () => import('./commands/start.ts'),
  list: () => import('./commands/list.ts'),
  status: () => import('./commands/status.ts'),
  approve: approveAndReject,
  reject: approveAndReject,
  ack: () => import('./commands/ack.ts'),
  note: () => import('./commands/note.ts'),
  'root-cause': () => import('./commands/root-cause.ts'),
  resolve: () => import('./commands/resolve.ts'),
  cancel: () => import('./commands/cancel.ts'),
  verify: handOver,
  revert: handOver,
  'provide-secret': () => import('./commands/provide-secret.ts'),
  timeline: () => import('./commands/timeline.ts'),
  postmortem: () => import('./commands/postmortem.ts'),
  audit: () => import('./commands/audit.ts'),
  drill: () => import('./commands/drill.ts'),
  serve: () => import('./commands/serve.ts'),
  'login-link': () => import('./commands/login-link.ts'),
  schedule: () => import('./commands/schedule.ts'),
  lint: () => import('./commands/lint.ts'),
  test: () => import('./commands/test.ts'),
  'diff-decisions': () => import('./commands/diff-decisions.ts'),
};

/**
 * Builds the program; every command lives in its own file under ./commands and registers itself here.
 * With `only` naming a command, just that one is loaded (help and unknown names load them all).
 */
export async function buildProgram(ctx: CliContext, only?: string): Promise<Command> {
  const program = new Command('runbook')
    .description(
      'Executable incident runbooks on Temporal: probe, decide, ask a human, remediate, monitor, write the postmortem.',
    )
    .showHelpAfterError('(run `runbook --help` for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  const loaders = new Set(names.map((name) => COMMANDS[name]!));
  const modules = await Promise.all([...loaders].map((load) => load()));
  for (const loaded of modules) loaded.register(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().showHelpAfterError(`(run \`runbook ${command.name()} --help\` for usage)`);
  }
  return program;
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const first = argv[0];
  try {
    // Every command knows the runbook documents (`lint` reads only the files it is given).
    const { loadRunbookDocuments } = await import('../worker/runbook-documents.ts');
    loadRunbookDocuments(first === 'lint' ? undefined : ctx.env.RUNBOOK_RUNBOOKS_DIR);
  } catch (err) {
    return reportError(err, ctx);
  }
  const program = await buildProgram(ctx, first !== undefined && !first.startsWith('-') ? first : undefined);
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

/** `runbook` as a process: the command, then the SDK runtime released so the process ends. */
export async function runAsProcess(argv: string[]): Promise<number> {
  const code = await main(argv);
  await releaseForProcessEnd();
  return code;
}

if (import.meta.main) {
  process.exitCode = await runAsProcess(process.argv.slice(2));
}
