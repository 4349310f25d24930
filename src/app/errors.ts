import type { ZodError } from 'zod';

/**
 * The app layer's domain errors. Their messages are written for the person acting; the CLI maps each
 * kind to its exit code (src/cli/errors.ts), so the app never depends on the CLI.
 */

/** The request cannot be served as asked (bad input, wrong state): nothing was started or signalled. */
export class RequestRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}

/** The request was valid but could not be carried out (Temporal, a worker or a record is missing). */
export class OperationFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationFailedError';
  }
}

/** Temporal unreachable: the hint says how to get one. */
export function temporalUnreachable(address: string, cause?: unknown): OperationFailedError {
  return new OperationFailedError(`Temporal is not reachable at ${address} — start it with \`runbook dev\` or set TEMPORAL_ADDRESS`, { cause });
}

/** No worker polls the incident's task queue: queries and updates would wait in silence. */
export function noWorker(taskQueue: string): OperationFailedError {
  return new OperationFailedError(`no worker is polling task queue "${taskQueue}" — start one with \`runbook worker\` (or \`runbook dev\` locally), then retry`);
}

export function formatZodError(err: ZodError, what = 'input'): string {
  return `invalid ${what}: ${err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ')}`;
}
