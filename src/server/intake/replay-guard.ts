import { createHash } from 'node:crypto';

/**
 * Signed requests accepted within their window, keyed by what the signature covers (timestamp and
 * a digest of the raw body), never by the header's text: the same signed request sent again is a
 * replay however its signature header was padded or re-cased. Per process; a request older than
 * the window is refused by its timestamp anyway.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** The content a signature vouches for: the signed timestamp and the SHA-256 of the raw body. */
  static keyOf(timestamp: string, rawBody: Buffer | undefined): string {
    // As a number: Slack's verifier signs Number(timestamp), so "0017…" and "17…" are one signed request.
    return `${Number(timestamp)}:${createHash('sha256')
      .update(rawBody ?? Buffer.alloc(0))
      .digest('hex')}`;
  }

  /** Whether this signed content was accepted before, within its window. */
  has(key: string, nowMs: number): boolean {
    for (const [seen, expires] of this.seen) if (expires <= nowMs) this.seen.delete(seen);
    return this.seen.has(key);
  }

  /** Records accepted signed content; twice the window, as a timestamp may be up to one window behind or ahead of this clock. */
  remember(key: string, nowMs: number): void {
    this.seen.set(key, nowMs + 2 * this.windowMs);
  }

  /** Releases content that was held but not accepted after all (its sender may resend it). */
  forget(key: string): void {
    this.seen.delete(key);
  }

  /** True the first time this signed content is presented (and now remembered); false for a replay. */
  firstUse(key: string, nowMs: number): boolean {
    if (this.has(key, nowMs)) return false;
    this.remember(key, nowMs);
    return true;
  }
}
