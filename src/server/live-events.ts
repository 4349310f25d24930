import type { Logger } from 'pino';
import type { IncidentStatus, TimelineEntry } from '../contract/index.ts';
import { TemporalUnreachableError } from '../app/temporal-health.ts';

/** What one poll of an incident read: every viewer of the incident gets the same. */
export interface IncidentSnapshot {
  running: boolean;
  timeline: TimelineEntry[];
  /** Null once the incident closed (nothing left to re-render). */
  status: IncidentStatus | null;
}

export type LiveUpdate =
  { kind: 'poll'; seq: number; snapshot: IncidentSnapshot } | { kind: 'temporal'; up: boolean; message: string };

type Listener = (update: LiveUpdate) => void;

interface Loop {
  listeners: Set<Listener>;
  seq: number;
  last: IncidentSnapshot | null;
  /** The last connectivity news sent, so a viewer joining during an outage hears of it too. */
  temporal: Extract<LiveUpdate, { kind: 'temporal' }> | null;
  wake: (() => void) | null;
}

export interface LivePollerStats {
  /** Streams open, over every incident. */
  streams: number;
  /** Incidents with a poll loop running. */
  incidents: number;
  /** Polls made since start: one per interval per watched incident, whatever the number of viewers. */
  polls: number;
}

/**
 * One poll loop per watched incident, shared by all its viewers: 60 open pages on one incident cost
 * one round of Temporal calls per interval, not 60. A loop starts with its first viewer, stops with
 * its last, and ends (telling its viewers) when the incident closes.
 */
export class LivePollers {
  private readonly loops = new Map<string, Loop>();
  private readonly read: (id: string) => Promise<IncidentSnapshot>;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private polls = 0;
  private closed = false;

  constructor(options: { read: (id: string) => Promise<IncidentSnapshot>; intervalMs: number; log: Logger }) {
    this.read = options.read;
    this.intervalMs = options.intervalMs;
    this.log = options.log;
  }

  stats(): LivePollerStats {
    let streams = 0;
    for (const loop of this.loops.values()) streams += loop.listeners.size;
    return { streams, incidents: this.loops.size, polls: this.polls };
  }

  /** Listens to an incident's updates; the latest snapshot, if any, comes at once. Returns the unsubscribe. */
  subscribe(id: string, listener: Listener): () => void {
    const existing = this.loops.get(id);
    const joined: Loop = existing ?? { listeners: new Set(), seq: 0, last: null, temporal: null, wake: null };
    if (existing) {
      if (existing.temporal && !existing.temporal.up) listener(existing.temporal);
      if (existing.last) listener({ kind: 'poll', seq: existing.seq, snapshot: existing.last });
    }
    joined.listeners.add(listener);
    if (!existing) {
      this.loops.set(id, joined);
      // After the listener is in: the loop runs while anyone listens.
      void this.run(id, joined);
    }
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size === 0) joined.wake?.();
    };
  }

  /** Ends every loop (the console is closing). */
  close(): void {
    this.closed = true;
    for (const loop of this.loops.values()) loop.wake?.();
  }

  private broadcast(loop: Loop, update: LiveUpdate): void {
    for (const listener of [...loop.listeners]) listener(update);
  }

  private async run(id: string, loop: Loop): Promise<void> {
    try {
      while (!this.closed && loop.listeners.size > 0) {
        try {
          const snapshot = await this.read(id);
          this.polls += 1;
          loop.seq += 1;
          loop.last = snapshot;
          if (loop.temporal && !loop.temporal.up) {
            loop.temporal = { kind: 'temporal', up: true, message: 'Temporal answers again: live updates resumed' };
            this.broadcast(loop, loop.temporal);
          }
          this.broadcast(loop, { kind: 'poll', seq: loop.seq, snapshot });
          if (!snapshot.running) return;
        } catch (err) {
          if (err instanceof TemporalUnreachableError) {
            if (!loop.temporal || loop.temporal.up) {
              loop.temporal = {
                kind: 'temporal',
                up: false,
                message: `${err.message}. Live updates pause until then.`,
              };
              this.broadcast(loop, loop.temporal);
            }
          } else {
            // A worker restart or a continue-as-new makes one poll miss: the next one catches up.
            this.log.debug({ err, incidentId: id }, 'live events: poll missed');
          }
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.intervalMs);
          loop.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        loop.wake = null;
      }
    } finally {
      if (this.loops.get(id) === loop) this.loops.delete(id);
    }
  }
}
