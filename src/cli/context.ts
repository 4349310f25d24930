import type { Writable } from 'node:stream';

/** What a command may touch; tests and the drill pass their own. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadStream;
}

export function processContext(): CliContext {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
