import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from './support/mock-activities.ts';
import { HOUR, MIN, startUnit, timeSkippingPerTest, unitInput } from './support/time-skipping.ts';
import { skip } from './support/skip.ts';

const ctx = timeSkippingPerTest();

const pageReads = (events: ActivityEvent[]) =>
  events.filter((e) => e.type === 'probe' && e.probe === 'status_page' && e.recheck !== null);

describe('a worker that cannot complete hint watches (time-skipping, mocked activities)', { retry: 1 }, () => {
  it('tries one watch, then reads the status page on timers for the rest of the run, and still makes its real checks', async () => {
    // Nobody approves and the provider stays down: between real checks the observer would watch the page.
    const run = await startUnit(ctx, unitInput(), {
      health: () => false,
      statusPage: () => 'major',
      hintWatchUnavailable: true,
    });
    await run.during(async () => {
      await skip(ctx.env, run.handle, HOUR);
      const events = (await run.handle.fetchHistory()).events ?? [];
      const scheduled = events.flatMap((e) =>
        e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
      );
      expect(scheduled.filter((name) => name === 'watchHint')).toHaveLength(1);
      // The page alone, on the poll's timer (30 s backing off to 5 min), past the first ten minutes.
      const alone = scheduled.filter((name) => name === 'runProbe').length;
      expect(alone).toBeGreaterThanOrEqual(5);
      expect(pageReads(run.events).filter((e) => e.elapsedMs > 10 * MIN).length).toBeGreaterThanOrEqual(5);
      // And the real checks every 10 minutes whatever the page says.
      expect(scheduled.filter((name) => name === 'runProbes').length).toBeGreaterThanOrEqual(5);
      expect((await run.handle.describe()).status.name).toBe('RUNNING');
    });
  });
});
