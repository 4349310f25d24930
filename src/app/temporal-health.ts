import type { Client } from '@temporalio/client';
import { noAnswerFromTemporal, OperationFailedError, OutcomeUnknownError } from './errors.ts';

/** The console cannot reach its Temporal frontend: pages answer 503 with this, not a hang and a 500. */
export class TemporalUnreachableError extends OperationFailedError {
  readonly address: string;
  /** `consequence`: what it means for the request, when more than "try again once it answers". */
  constructor(
    address: string,
    cause?: unknown,
    consequence = 'the console shows incidents again as soon as it answers',
  ) {
    super(
      `Temporal is unreachable at ${address}; ${consequence} (check that the Temporal server is running and reachable from this host)`,
      { cause },
    );
    this.name = 'TemporalUnreachableError';
    this.address = address;
  }
}

/**
 * Whether the console's Temporal frontend answers, asked at most once a second however many pages,
 * streams and scrapes want to know; every call the console makes through `call` has a short deadline,
 * so an unreachable server costs a page that deadline, not the client's ~20 s of retries.
 */
export class TemporalHealth {
  readonly address: string;
  readonly timeoutMs: number;
  private readonly client: Client;
  private last: { up: boolean; at: number } | null = null;
  private inFlight: Promise<boolean> | null = null;

  constructor(client: Client, address: string, timeoutMs: number) {
    this.client = client;
    this.address = address;
    this.timeoutMs = timeoutMs;
  }

  /** The last known answer (null before the first check). */
  get up(): boolean | null {
    return this.last?.up ?? null;
  }

  /** Asks the frontend (GetSystemInfo, within `timeoutMs`) unless it was asked within `maxAgeMs`. */
  async check(maxAgeMs = 1_000, timeoutMs = this.timeoutMs): Promise<boolean> {
    if (this.last && Date.now() - this.last.at < maxAgeMs) return this.last.up;
    this.inFlight ??= this.client
      .withDeadline(Date.now() + timeoutMs, () => this.client.workflowService.getSystemInfo({}))
      .then(
        () => true,
        () => false,
      )
      .then((up) => {
        this.last = { up, at: Date.now() };
        this.inFlight = null;
        return up;
      });
    return this.inFlight;
  }

  /**
   * Runs the console's Temporal calls under one deadline. When they get no answer, a health check
   * tells an unreachable server (TemporalUnreachableError) from a busy one or a slow worker.
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const value = await this.client.withDeadline(Date.now() + this.timeoutMs, fn);
      this.last = { up: true, at: Date.now() };
      return value;
    } catch (err) {
      if (!(err instanceof OutcomeUnknownError) && !noAnswerFromTemporal(err)) throw err;
      // A change that got no answer may have been recorded: "try again" could record it twice.
      const unknown =
        err instanceof OutcomeUnknownError
          ? `${err.change} may or may not have been recorded: check the ${err.incidentId ? 'incident page' : 'incidents list'}`
          : null;
      // A frontend that is up answers GetSystemInfo in milliseconds: a second deadline as long as the first would only double the wait.
      const recentlyDown = this.last !== null && !this.last.up && Date.now() - this.last.at < 1_000;
      if (recentlyDown || !(await this.check(0, Math.min(1_000, this.timeoutMs)))) {
        throw new TemporalUnreachableError(this.address, err, unknown ? `${unknown} once it answers` : undefined);
      }
      const overloaded = `Temporal at ${this.address} did not answer within ${this.timeoutMs} ms although it is up`;
      throw new OperationFailedError(
        unknown
          ? `${overloaded}: ${unknown} before trying again`
          : `${overloaded}: the server, or the worker answering this incident's queries, is overloaded; retry shortly`,
        { cause: err },
      );
    }
  }
}
