/**
 * Watching the free hint between real checks (`watchHint`): the reads that change nothing happen
 * outside the incident's history, and the workflow wakes once something did change or a real check
 * is due. The schedule is the one a workflow timer would keep: the interval backs off after every
 * read that changes nothing.
 */
import type { SecretRef } from './common.ts';
import type { ProbeResult, ProbeSpecInput } from './probes.ts';

/**
 * How often a watch tells the server it is alive: about as often as it reads at most, between 1 and
 * 30 s. The workflow allows a few of these to be missed, so a watch lost with its worker is retried
 * elsewhere within minutes at production cadence, within seconds on a drill's clock.
 */
export const hintWatchHeartbeatMs = (maxIntervalMs: number): number => Math.min(30_000, Math.max(1_000, maxIntervalMs));

/** What a hint read says, or null when it says nothing (failed, or not about the provider). */
export const hintValueOf = (r: ProbeResult): string | null =>
  r.ok && r.source !== 'self' ? (r.extractedField ?? null) : null;

export interface HintWatchRequest {
  spec: ProbeSpecInput;
  /** The service by name: the worker's catalog decides where the read goes. */
  service: string;
  keyRef?: SecretRef;
  /** The hint the incident last recorded; null before its first read. */
  lastHint: string | null;
  /** The wait before the first read. */
  intervalMs: number;
  backoff: number;
  maxIntervalMs: number;
  /** A real check is due at this moment (epoch ms): the watch ends then, unread, whatever its read pace. */
  dueAtMs: number;
  /** How often the watch heartbeats (`hintWatchHeartbeatMs`). */
  heartbeatEveryMs: number;
}

export interface HintWatchResult {
  /** `changed`: a read differs from `lastHint`; `due`: the poll that ends the watch makes real calls. */
  outcome: 'changed' | 'due';
  /** The read that changed (null when due). */
  hint: ProbeResult | null;
  /** Hint reads made, the changing one included. */
  reads: number;
  /** The wait that preceded this end. */
  intervalMs: number;
  /** When the watch ended (ISO). */
  at: string;
}

/** What a watch heartbeats, so an attempt after a lost worker goes on from its schedule. */
export interface HintWatchProgress {
  reads: number;
  intervalMs: number;
  nextAtMs: number;
}

const nextInterval = (req: Pick<HintWatchRequest, 'backoff' | 'maxIntervalMs'>, intervalMs: number) =>
  Math.min(Math.round(intervalMs * req.backoff), req.maxIntervalMs);

/**
 * The watch as a schedule: from `progress`, the next step is to read at `nextAtMs`, or to end as due
 * there. After a read that changed nothing, `afterUnchangedRead` gives the next progress.
 */
export const hintWatch = {
  begin(req: HintWatchRequest, nowMs: number): HintWatchProgress {
    return { reads: 0, intervalMs: req.intervalMs, nextAtMs: Math.min(nowMs + req.intervalMs, req.dueAtMs) };
  },
  isDue(req: HintWatchRequest, p: HintWatchProgress): boolean {
    return p.nextAtMs >= req.dueAtMs;
  },
  changed(req: HintWatchRequest, read: ProbeResult): boolean {
    const value = hintValueOf(read);
    return value !== null && value !== req.lastHint;
  },
  afterUnchangedRead(req: HintWatchRequest, p: HintWatchProgress, readAtMs: number): HintWatchProgress {
    const intervalMs = nextInterval(req, p.intervalMs);
    return { reads: p.reads + 1, intervalMs, nextAtMs: Math.min(readAtMs + intervalMs, req.dueAtMs) };
  },
};
