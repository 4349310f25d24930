import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  sleep,
} from '@temporalio/workflow';
import { ErrorTypes, type HintWatchRequest, type HintWatchResult } from '../../contract/index.ts';
import { failureMessage, watchHint } from './evidence.ts';
import type { ProbeEngine } from './ports.ts';

/** How the wait for the next poll ended: woken by the incident, the poll's timer, or a watch's end. */
export type PollTurn = 'woken' | 'timer' | HintWatchResult;

/** The hint between real checks, watched outside the incident's history. */
export class HintWatcher {
  private readonly incident: ProbeEngine;
  /** False once a worker said it cannot complete hint watches: this run polls on timers. */
  private available = true;

  constructor(incident: ProbeEngine) {
    this.incident = incident;
  }

  /**
   * Waits for the next poll: on a timer when that poll makes real calls anyway (`dueAtMs` null or
   * within the interval); otherwise the hint is watched (`watchHint`), and the incident wakes only
   * when a read changed it or the poll that makes real calls has come. A poll that changes nothing
   * costs no workflow task. `awake` ends the wait early (a human acted, the incident closes): the
   * watch in flight is abandoned, not waited for (see `watchActivities`).
   */
  async untilPoll(
    awake: () => boolean,
    watch: Pick<HintWatchRequest, 'lastHint' | 'intervalMs'> & { dueAtMs: number | null; steady: boolean },
  ): Promise<PollTurn> {
    const onTimer = async (ms: number) => ((await condition(awake, ms)) ? 'woken' : 'timer');
    const { dueAtMs } = watch;
    if (dueAtMs === null || Date.now() + watch.intervalMs >= dueAtMs) return onTimer(watch.intervalMs);
    // Without a watch, a steady pace would read the hint in the history every poll: wait for the real check instead.
    const unwatched = () => onTimer(watch.steady ? Math.max(0, dueAtMs - Date.now()) : watch.intervalMs);
    if (!this.available) return unwatched();
    const scope = new CancellationScope();
    let watched: HintWatchResult | 'failed' | null = null;
    void scope
      .run(() => watchHint(this.incident, { ...watch, dueAtMs }))
      .then(
        (result) => (watched = result),
        (err: unknown) => {
          if (isCancellation(err)) return;
          if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure)
            this.available = err.cause.type !== ErrorTypes.HintWatchUnavailable;
          log.warn('the hint watch failed: this poll waits on a timer', { error: failureMessage(err) });
          watched = 'failed';
        },
      );
    await condition(() => awake() || watched !== null);
    const settled = watched as HintWatchResult | 'failed' | null;
    if (settled === null) {
      scope.cancel();
      return 'woken';
    }
    if (settled === 'failed') return unwatched();
    // The watch's clock may run ahead of the incident's: nothing is recorded before the moment it saw.
    // The catch-up timer is left to fire rather than cancelled when the incident wakes first: a timer
    // cancellation is what the time-skipping test server sometimes refuses, hanging the workflow.
    const ahead = Date.parse(settled.at) - Date.now();
    if (ahead > 0) {
      let caughtUp = false;
      void CancellationScope.nonCancellable(() => sleep(ahead)).then(() => (caughtUp = true));
      await condition(() => caughtUp || awake());
      if (!caughtUp) return 'woken';
    }
    return settled;
  }
}
