import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, cancelSignal, timelineQuery, type HintWatchResult } from '../../src/contract/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';

const DOWN = {
  legacy: { status: 503, body: { error: 'Service Unavailable' } },
  v3: { status: 503, body: { error: 'Service Unavailable' } },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    phases: [{ name: 'down', ...DOWN, statusPage: { indicator: 'major', description: 'Partial System Outage' } }],
  });
});
afterAll(() => h.close());

const statusPageReads = () => h.sim.requests().filter((r) => r.endpoint === 'statusPage').length;

describe('the hint watched outside the history (dev server, simulator, a real worker)', () => {
  it('reads the status page many times in one activity, wakes the incident when it changes, and never keeps a human waiting', async () => {
    // Two real rounds an hour after the triage's and the confirmations': monitoring soon waits on the rate.
    const handle = await h.start({ billedProbesPerHour: 10 });
    await h.waitFor(
      handle,
      (s) => s.pendingApprovals.some((p) => p.stepId === 'enable-fallback'),
      'the fallback asked',
    );
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });

    const history = async () => (await handle.fetchHistory()).events ?? [];
    const watchesScheduled = async () =>
      (await history()).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchHint');
    const deadline = Date.now() + 30_000;
    while ((await watchesScheduled()).length === 0) {
      if (Date.now() > deadline) throw new Error('no hint watch within 30 s');
      await sleep(50);
    }
    // The watch reads on its own schedule while the incident's history stands still: five reads
    // without an event, once the real checks it ends for (backing off, then out of budget) leave room.
    let eventsAtWatch = (await history()).length;
    let readsAtWatch = statusPageReads();
    for (;;) {
      if (Date.now() > deadline) throw new Error('no five status page reads without a history event within 30 s');
      await sleep(50);
      const events = await history();
      if (events.length !== eventsAtWatch) {
        [eventsAtWatch, readsAtWatch] = [events.length, statusPageReads()];
        continue;
      }
      if (statusPageReads() >= readsAtWatch + 5) break;
    }

    // The status page changes while the API still fails: the watch ends and the incident records it.
    h.sim.setScenario([{ name: 'page-green', ...DOWN, statusPage: { indicator: 'none' } }]);
    while (!(await handle.query(timelineQuery)).some((e) => e.message.startsWith('hint status_page: major → none'))) {
      if (Date.now() > deadline) throw new Error('the hint change is not on the timeline');
      await sleep(50);
    }
    const events = await history();
    const completed = events.flatMap((e) => {
      const done = e.activityTaskCompletedEventAttributes;
      const scheduled = done && events.find((s) => s.eventId?.toString() === done.scheduledEventId?.toString());
      if (scheduled?.activityTaskScheduledEventAttributes?.activityType?.name !== 'watchHint') return [];
      const payload = done!.result?.payloads?.[0]?.data;
      return [JSON.parse(Buffer.from(payload!).toString('utf8')) as HintWatchResult];
    });
    const changed = completed.find((r) => r.outcome === 'changed');
    expect(changed, JSON.stringify(completed)).toBeDefined();
    expect(changed!.reads).toBeGreaterThanOrEqual(5);
    expect(changed!.hint?.extractedField).toBe('none');

    // A human acts: the incident does not wait on the watch in flight; it closes and leaves it to end.
    const watching = async () => {
      const all = await history();
      const scheduled = all.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchHint');
      const ended = new Set(
        all.flatMap((e) => {
          const a =
            e.activityTaskCompletedEventAttributes ??
            e.activityTaskFailedEventAttributes ??
            e.activityTaskCanceledEventAttributes ??
            e.activityTaskTimedOutEventAttributes;
          return a ? [a.scheduledEventId?.toString()] : [];
        }),
      );
      return scheduled.some((e) => !ended.has(e.eventId?.toString()));
    };
    const again = Date.now() + 30_000;
    while (!(await watching())) {
      if (Date.now() > again) throw new Error('no second watch within 30 s');
      await sleep(50);
    }
    await handle.signal(cancelSignal, { by: 'bob', reason: 'handled by hand' });
    const result = await handle.result();
    expect(result.state).toBe('cancelled');
    expect(await watching(), 'closed with the last watch still out').toBe(true);
    expect(result.timeline.filter((e) => e.message.startsWith('hint status_page')).map((e) => e.message)).toEqual([
      'hint status_page: first read → major',
      'hint status_page: major → none (a hint only: checking with real calls)',
    ]);
  });
});
