import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** One alert on its way to Temporal. `about` is what a log line may say of it (no labels, no summary). */
export interface Delivery {
  key: string;
  about: { fingerprint: string; status: string };
  deliver: () => Promise<Record<string, unknown>>;
}

/** How one delivery ended: recorded, or not (with whether a retry could change that). */
export type DeliveryOutcome = { delivered: true } | { delivered: false; permanent: boolean; error: string };

export interface DeliveryQueueOptions {
  log: Logger;
  /** Deliveries waiting or in flight, at most. */
  limit: number;
  /** Tries per delivery, the first included. */
  attempts: number;
  /** Wait before the second try, doubled for each further one, up to `maxMs`. */
  backoff: { initialMs: number; maxMs: number };
  /** An error no retry can fix (a refused start request): given up on at once. */
  permanent?: (err: unknown) => boolean;
  /**
   * A delivery whose predecessor of the same key was not delivered (for a reason a retry could
   * fix) is not tried either: its sender retries it after the earlier one, so the order holds.
   */
  keepOrder?: boolean;
  /** What is delivered, for the log lines: `alert` (default), `slack decision`. */
  what?: string;
}

export interface DeliveryStats {
  limit: number;
  /** Waiting their turn, in flight, or between retries. */
  queued: number;
  delivered: number;
  /** Tries that failed and were tried again. */
  retried: number;
  /** Deliveries that ended undelivered; the caller tells the sender (the intake answers 503 or 422). */
  failed: number;
  lastFailure: { at: string; key: string; fingerprint: string; attempts: number; error: string } | null;
}

/**
 * Deliveries of one key go one after another, in arrival order (an incident's timeline reads as its
 * alerts came), a failed try retried in place before the next; different keys proceed side by
 * side. The queue is bounded: what does not fit is refused whole, never taken and then dropped.
 * Each offer's promise settles with every delivery's outcome, so a caller can answer its sender
 * only once the deliveries are recorded (the alert intake) or not wait at all (Slack clicks).
 */
export class DeliveryQueue {
  private readonly chains = new Map<string, Promise<DeliveryOutcome>>();
  private readonly o: DeliveryQueueOptions;
  private readonly stats: Omit<DeliveryStats, 'limit'> = {
    queued: 0,
    delivered: 0,
    retried: 0,
    failed: 0,
    lastFailure: null,
  };

  constructor(options: DeliveryQueueOptions) {
    this.o = options;
  }

  private get what(): string {
    return this.o.what ?? 'alert';
  }

  /** Queues all of them and settles with their outcomes in the same order, or null when they do not all fit. */
  offer(deliveries: Delivery[]): Promise<DeliveryOutcome[]> | null {
    if (this.stats.queued + deliveries.length > this.o.limit) return null;
    return Promise.all(deliveries.map((delivery) => this.enqueue(delivery)));
  }

  snapshot(): DeliveryStats {
    return { limit: this.o.limit, ...this.stats, lastFailure: this.stats.lastFailure && { ...this.stats.lastFailure } };
  }

  /** Waits for everything queued so far (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private enqueue(delivery: Delivery): Promise<DeliveryOutcome> {
    this.stats.queued += 1;
    const previous = this.chains.get(delivery.key);
    const next = (async (): Promise<DeliveryOutcome> => {
      const before = previous ? await previous : null;
      if (this.o.keepOrder && before && !before.delivered && !before.permanent) {
        return this.fail(delivery, 0, `not tried: an earlier ${this.what} of ${delivery.key} was not delivered`, false);
      }
      return this.deliverWithRetries(delivery);
    })().finally(() => {
      this.stats.queued -= 1;
    });
    this.chains.set(delivery.key, next);
    void next.then(() => {
      if (this.chains.get(delivery.key) === next) this.chains.delete(delivery.key);
    });
    return next;
  }

  private fail({ key, about }: Delivery, attempts: number, error: string, permanent: boolean): DeliveryOutcome {
    this.stats.failed += 1;
    this.stats.lastFailure = { at: new Date().toISOString(), key, fingerprint: about.fingerprint, attempts, error };
    this.o.log.error(
      { key, ...about, attempts, error },
      permanent ? `${this.what} refused by the engine` : `${this.what} not delivered`,
    );
    return { delivered: false, permanent, error };
  }

  private async deliverWithRetries(delivery: Delivery): Promise<DeliveryOutcome> {
    const { key, about, deliver } = delivery;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await deliver();
        this.stats.delivered += 1;
        this.o.log.debug({ key, ...about, attempt, ...outcome }, `${this.what} delivered`);
        return { delivered: true };
      } catch (err) {
        // The message only: an error object may carry the request it failed on.
        const error = err instanceof Error ? err.message : String(err);
        const permanent = this.o.permanent?.(err) ?? false;
        if (permanent || attempt >= this.o.attempts) return this.fail(delivery, attempt, error, permanent);
        this.stats.retried += 1;
        const waitMs = Math.min(this.o.backoff.maxMs, this.o.backoff.initialMs * 2 ** (attempt - 1));
        this.o.log.warn({ key, ...about, attempt, retryInMs: waitMs, error }, `${this.what} delivery failed; retrying`);
        await sleep(waitMs);
      }
    }
  }
}
