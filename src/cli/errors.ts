import { ZodError } from 'zod';
import { formatZodError, OperationFailedError, RequestRefusedError } from '../app/errors.ts';
import { ConfigError } from '../config/index.ts';
import { terminalSafe } from '../contract/common.ts';
import type { CliContext } from './context.ts';

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Triage: an incident is indicated. Drill: the incident did not resolve as expected. */
  indicated: 3,
} as const;

/** An error whose message is already written for the person at the terminal. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Ends the command with an exit code whose meaning the command already printed. */
export class QuietExit extends CliError {
  constructor(exitCode: number) {
    super('', exitCode);
    this.name = 'QuietExit';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/**
 * A command's validation errors, named the way the person typed them: `--latency-scale`, `<id>`.
 * `positional` lists the schema keys that are arguments rather than flags.
 */
export function formatOptionError(err: ZodError, positional: readonly string[] = []): string {
  return `invalid arguments: ${err.issues
    .map((i) => {
      const [key, ...rest] = i.path.map(String);
      if (key === undefined) return i.message;
      const name = positional.includes(key) ? `<${key}>` : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return `${[name, ...rest].join('.')}: ${i.message}`;
    })
    .join('; ')}`;
}

/** The one place that turns an error into a message and an exit code. */
export function reportError(err: unknown, ctx: CliContext): number {
  const declared = (err as { exitCode?: unknown } | null)?.exitCode;
  if (err instanceof CliError || err instanceof ConfigError || (err instanceof Error && typeof declared === 'number')) {
    if (err.message) ctx.stderr.write(`runbook: ${terminalSafe(err.message, true)}\n`);
    return declared as number;
  }
  if (err instanceof RequestRefusedError || err instanceof OperationFailedError) {
    ctx.stderr.write(`runbook: ${terminalSafe(err.message, true)}\n`);
    return err instanceof RequestRefusedError ? EXIT.usage : EXIT.failure;
  }
  if (err instanceof ZodError) {
    ctx.stderr.write(`runbook: ${terminalSafe(formatZodError(err), true)}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(`runbook: ${terminalSafe(message, true)}\n`);
  if (ctx.env.RUNBOOK_DEBUG === '1' && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
  return EXIT.failure;
}
