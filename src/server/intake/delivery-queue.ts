import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** One accepted alert on its way to Temporal. `about` is what a log line may say of it (no labels, no summary). */
export interface Delivery {
  key: string;
  about: { fingerprint: string; status: string };
  deliver: () => Promise<Record<string, unknown>>;
}

export interface DeliveryQueueOptions {
  log: Logger;
  /** Alerts accepted but not yet delivered (or given up on), at most. */
  limit: number;
  /** Tries per alert, the first included. */
  attempts: number;
  /** Wait before the second try, doubled for each further one, up to `maxMs`. */
  backoff: { initialMs: number; maxMs: number };
  /** An error no retry can fix (a refused start request): given up on at once. */
  permanent?: (err: unknown) => boolean;
  /** What is delivered, for the log lines: `alert` (default), `slack decision`. */
  what?: string;
}

export interface DeliveryStats {
  limit: number;
  /** Accepted, not yet delivered: waiting their turn, in flight, or between retries. */
  queued: number;
  delivered: number;
  /** Tries that failed and were tried again. */
  retried: number;
  /** Accepted alerts given up on after every try: lost to the incident, so counted and logged. */
  failed: number;
  lastFailure: { at: string; key: string; fingerprint: string; attempts: number; error: string } | null;
}

/**
 * Intake answers at once and delivers afterwards. Alerts of one incident go one after another, in
 * arrival order (their timeline reads as they came), a failed try retried in place before the next
 * alert of that incident; different incidents proceed side by side. The queue is bounded: what
 * does not fit is refused whole (the route answers 503), never accepted and then dropped.
 */
export class DeliveryQueue {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly o: DeliveryQueueOptions;
  private readonly stats: Omit<DeliveryStats, 'limit'> = { queued: 0, delivered: 0, retried: 0, failed: 0, lastFailure: null };

  constructor(options: DeliveryQueueOptions) {
    this.o = options;
  }

  private get what(): string {
    return this.o.what ?? 'alert';
  }

  /** Queues all of them, or none when they do not all fit (false). */
  offer(deliveries: Delivery[]): boolean {
    if (this.stats.queued + deliveries.length > this.o.limit) return false;
    for (const delivery of deliveries) this.enqueue(delivery);
    return true;
  }

  snapshot(): DeliveryStats {
    return { limit: this.o.limit, ...this.stats, lastFailure: this.stats.lastFailure && { ...this.stats.lastFailure } };
  }

  /** Waits for everything accepted so far (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private enqueue(delivery: Delivery): void {
    this.stats.queued += 1;
    const previous = this.chains.get(delivery.key) ?? Promise.resolve();
    const next = previous.then(() => this.deliverWithRetries(delivery)).finally(() => {
      this.stats.queued -= 1;
    });
    this.chains.set(delivery.key, next);
    void next.then(() => {
      if (this.chains.get(delivery.key) === next) this.chains.delete(delivery.key);
    });
  }

  private async deliverWithRetries({ key, about, deliver }: Delivery): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await deliver();
        this.stats.delivered += 1;
        this.o.log.debug({ key, ...about, attempt, ...outcome }, `${this.what} delivered`);
        return;
      } catch (err) {
        // The message only: an error object may carry the request it failed on.
        const error = err instanceof Error ? err.message : String(err);
        const permanent = this.o.permanent?.(err) ?? false;
        if (permanent || attempt >= this.o.attempts) {
          this.stats.failed += 1;
          this.stats.lastFailure = { at: new Date().toISOString(), key, fingerprint: about.fingerprint, attempts: attempt, error };
          // Already accepted (202): the sender will not resend, so the count and this line are where it shows.
          this.o.log.error({ key, ...about, attempts: attempt, error }, permanent ? `${this.what} accepted but refused by the engine` : `${this.what} accepted but not delivered: gave up`);
          return;
        }
        this.stats.retried += 1;
        const waitMs = Math.min(this.o.backoff.maxMs, this.o.backoff.initialMs * 2 ** (attempt - 1));
        this.o.log.warn({ key, ...about, attempt, retryInMs: waitMs, error }, `${this.what} delivery failed; retrying`);
        await sleep(waitMs);
      }
    }
  }
}
