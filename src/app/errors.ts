import type { ZodError } from 'zod';

/**
 * The app layer's domain errors. Their messages are written for the person acting; the CLI maps each
 * kind to its exit code (src/cli/errors.ts), so the app never depends on the CLI.
 */

/** The request cannot be served as asked (bad input, wrong state): nothing was started or signalled. */
export class RequestRefusedError extends Error {
  /** The open incident the refused request duplicates, when there is one: the console links to it. */
  readonly existingIncidentId: string | null;
  constructor(message: string, options: { existingIncidentId?: string } = {}) {
    super(message);
    this.name = 'RequestRefusedError';
    this.existingIncidentId = options.existingIncidentId ?? null;
  }
}

/** A runbook id no registered runbook has: refused the same way everywhere (exit 2, a 4xx in the console and intake). */
export class UnknownRunbookError extends RequestRefusedError {
  readonly runbook: string;
  constructor(runbook: string, known: readonly string[]) {
    super(`unknown runbook "${runbook}" — known: ${known.join(', ')}`);
    this.name = 'UnknownRunbookError';
    this.runbook = runbook;
  }
}

/** The request was valid but could not be carried out (Temporal, a worker or a record is missing). */
export class OperationFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationFailedError';
  }
}

/** No incident has this id: the console answers 404, the CLI as any failed operation. */
export class IncidentNotFoundError extends OperationFailedError {
  readonly incidentId: string;
  constructor(incidentId: string) {
    super(`no incident ${incidentId} — run \`runbook list --all\` to see incidents`);
    this.name = 'IncidentNotFoundError';
    this.incidentId = incidentId;
  }
}

/** gRPC codes that mean "no answer from the frontend": the server is down, cut off, or too slow. */
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** The gRPC status code somewhere in an error's cause chain (the client wraps the transport's error). */
export function grpcCodeOf(err: unknown): number | null {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Temporal gave no answer at all (down, cut off, or past the deadline): not a refusal, not a failure it reported. */
export function noAnswerFromTemporal(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED;
}

/**
 * A change was sent (an approval, a note, a new incident) and Temporal did not answer: it may have
 * been recorded or not. Saying either would be a guess, and sending it again by another path
 * could record it twice, so the person is told to look before acting again.
 */
export class OutcomeUnknownError extends OperationFailedError {
  /** What was sent, as the person would name it: "the decision", "the note". */
  readonly change: string;
  /** The incident it was for; null for a new incident. */
  readonly incidentId: string | null;
  constructor(change: string, incidentId: string | null, cause: unknown) {
    const look = incidentId ? `\`runbook status ${incidentId}\`` : '`runbook list`';
    super(
      `Temporal did not answer: ${change} may or may not have been recorded — check with ${look} before trying again`,
      { cause },
    );
    this.name = 'OutcomeUnknownError';
    this.change = change;
    this.incidentId = incidentId;
  }
}

/** Temporal unreachable: the hint says how to get one. */
export function temporalUnreachable(address: string, cause?: unknown): OperationFailedError {
  return new OperationFailedError(
    `Temporal is not reachable at ${address} — start it with \`runbook dev\` or set TEMPORAL_ADDRESS`,
    { cause },
  );
}

/** No worker polls the incident's task queue: queries and updates would wait in silence. */
export function noWorker(taskQueue: string): OperationFailedError {
  return new OperationFailedError(
    `no worker is polling task queue "${taskQueue}" — start one with \`runbook worker\` (or \`runbook dev\` locally), then retry`,
  );
}

export function formatZodError(err: ZodError, what = 'input'): string {
  return `invalid ${what}: ${err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ')}`;
}
