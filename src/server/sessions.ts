import { randomUUID } from 'node:crypto';

/** How long a sign-in lasts: the cookie's lifetime and the server's record agree. */
export const SESSION_TTL_SECONDS = 12 * 3600;

/**
 * The server's record of live sign-ins. The session cookie alone (encrypted, client-side) cannot
 * be taken back: a copy saved before sign-out would stay valid until it expires. A cookie counts
 * only while its session id is here, so signing out, or the session's expiry, ends it on the
 * server. The record lives in the console's memory: a restarted console signs everyone out.
 */
export class SessionStore {
  private readonly live = new Map<string, number>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_SECONDS * 1000;
    this.now = options.now ?? Date.now;
  }

  /** A new sign-in: its id goes into the cookie. */
  open(): string {
    this.sweep();
    const sid = randomUUID();
    this.live.set(sid, this.now() + this.ttlMs);
    return sid;
  }

  /** Whether the cookie's session is still live; an expired one is ended on the way. */
  isLive(sid: string | undefined): boolean {
    if (!sid) return false;
    const expires = this.live.get(sid);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.end(sid);
    return false;
  }

  /** Signs the session out: every copy of its cookie stops working, and whoever listens hears it. */
  end(sid: string): void {
    this.live.delete(sid);
    const listeners = this.listeners.get(sid);
    this.listeners.delete(sid);
    for (const listener of listeners ?? []) listener();
  }

  /** Calls `listener` once when `sid` is signed out; returns the unsubscribe. */
  onEnd(sid: string, listener: () => void): () => void {
    const set = this.listeners.get(sid) ?? new Set();
    set.add(listener);
    this.listeners.set(sid, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sid);
    };
  }

  private sweep(): void {
    const now = this.now();
    for (const [sid, expires] of this.live) if (expires <= now) this.end(sid);
  }
}
