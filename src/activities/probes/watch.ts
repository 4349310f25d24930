import { setTimeout as sleep } from 'node:timers/promises';
import { CompleteAsyncError, Context, log } from '@temporalio/activity';
import {
  ActivityCancelledError,
  ActivityNotFoundError,
  ActivityPausedError,
  ActivityResetError,
  type AsyncCompletionClient,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorTypes,
  hintWatch,
  unrunnable,
  type HintWatchProgress,
  type HintWatchRequest,
  type HintWatchResult,
  type ProbeResult,
} from '../../contract/index.ts';

export interface HintWatchDeps {
  /** One read of the hint through the worker's catalog (the guarded `runProbe`). */
  readHint: (req: Pick<HintWatchRequest, 'spec' | 'service' | 'keyRef'>) => Promise<ProbeResult>;
  /** Heartbeats and completes the watches after their activity returned; none: the worker has no client. */
  completion?: AsyncCompletionClient;
}

/** How soon a completion the server could not take is sent again. */
const COMPLETE_RETRY_MS = 1_000;

function resumedProgress(ctx: Context): HintWatchProgress | null {
  const details = ctx.info.heartbeatDetails as HintWatchProgress | undefined;
  return details && typeof details.nextAtMs === 'number' ? details : null;
}

/**
 * One watch, after its activity handed it over: reads on the schedule, heartbeats its progress, and
 * completes the activity when a read changed the hint or a real check is due. A heartbeat the server
 * refuses (the incident closed, or the attempt was retried elsewhere) ends it here; an attempt the
 * server retries after lost heartbeats goes on from the last progress it got.
 */
async function follow(
  token: Uint8Array,
  req: HintWatchRequest,
  start: HintWatchProgress,
  deps: Required<HintWatchDeps>,
): Promise<void> {
  // The server answered for good: the watch is no longer wanted (cancelled, closed, retried elsewhere).
  const ended = (err: unknown) =>
    err instanceof ActivityNotFoundError ||
    err instanceof ActivityCancelledError ||
    err instanceof ActivityPausedError ||
    err instanceof ActivityResetError;
  // A server that cannot be reached (restarting) is no answer: the watch goes on, and the server's
  // heartbeat timeout ends it if the outage outlasts it.
  let lastBeatMs = 0;
  const heartbeat = async (p: HintWatchProgress): Promise<boolean> => {
    if (Date.now() - lastBeatMs < req.heartbeatEveryMs) return true;
    try {
      await deps.completion.heartbeat(token, p);
      lastBeatMs = Date.now();
      return true;
    } catch (err) {
      if (err instanceof ActivityCancelledError) await deps.completion.reportCancellation(token).catch(() => undefined);
      return !ended(err);
    }
  };
  const waitUntil = async (atMs: number, p: HintWatchProgress): Promise<boolean> => {
    for (let left = atMs - Date.now(); left > 0; left = atMs - Date.now()) {
      await sleep(Math.min(left, req.heartbeatEveryMs), undefined, { ref: false });
      if (atMs - Date.now() > 0 && !(await heartbeat(p))) return false;
    }
    return true;
  };
  const end = async (result: Omit<HintWatchResult, 'at'>) => {
    const done = { ...result, at: new Date().toISOString() };
    for (const until = Date.now() + 4 * req.heartbeatEveryMs; Date.now() < until;) {
      try {
        return await deps.completion.complete(token, done);
      } catch (err) {
        if (ended(err)) return;
        await sleep(COMPLETE_RETRY_MS, undefined, { ref: false });
      }
    }
  };

  let p = start;
  for (;;) {
    if (!(await waitUntil(p.nextAtMs, p))) return;
    if (hintWatch.isDue(req, p)) return end({ outcome: 'due', hint: null, reads: p.reads, intervalMs: p.intervalMs });
    const read = await deps
      .readHint(req)
      .catch((err: unknown) => unrunnable(req.spec.id, `the hint read failed: ${String(err)}`));
    if (hintWatch.changed(req, read))
      return end({ outcome: 'changed', hint: read, reads: p.reads + 1, intervalMs: p.intervalMs });
    p = hintWatch.afterUnchangedRead(req, p, Date.now());
    if (!(await heartbeat(p))) return;
  }
}

/**
 * `watchHint`: completed asynchronously, so a watch holds no activity slot while it waits: a thousand
 * open incidents watch their hints without starving the probes and changes of the decision path.
 */
export function createHintWatchActivities(deps: HintWatchDeps) {
  return {
    async watchHint(req: HintWatchRequest): Promise<HintWatchResult> {
      const { completion } = deps;
      if (!completion)
        throw ApplicationFailure.nonRetryable(
          'this worker has no Temporal client to complete hint watches: the incident polls on timers instead',
          ErrorTypes.HintWatchUnavailable,
        );
      const ctx = Context.current();
      const start = resumedProgress(ctx) ?? hintWatch.begin(req, Date.now());
      const token = ctx.info.taskToken;
      void follow(token, req, start, { ...deps, completion }).catch((err: unknown) =>
        log.warn('hint watch ended by an error', { error: String(err) }),
      );
      throw new CompleteAsyncError();
    },
  };
}
