import type { Logger } from 'pino';

/**
 * Intake answers at once and delivers afterwards. Alerts of one incident go one after another, in
 * arrival order (their timeline reads as they came); different incidents proceed side by side.
 */
export class DeliveryQueue {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly log: Logger;
  /** What is delivered, for the log lines: `alert`, `slack decision`. */
  private readonly what: string;

  constructor(log: Logger, what = 'alert') {
    this.log = log;
    this.what = what;
  }

  enqueue(key: string, deliver: () => Promise<Record<string, unknown>>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const outcome = await deliver();
        this.log.debug({ key, ...outcome }, `${this.what} delivered`);
      } catch (err) {
        // Already accepted (202): the sender will not resend, so the log is where this shows.
        this.log.error({ key, err }, `${this.what} accepted but not delivered`);
      }
    });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** Waits for everything accepted so far (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }
}
