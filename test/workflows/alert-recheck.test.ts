import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { alertSignal, timelineQuery } from '../../src/contract/index.ts';
import type { ActivityEvent } from './support/mock-activities.ts';
import { advanceUntil, MIN, startTimeSkipping, startUnit, unitInput } from './support/time-skipping.ts';
import { skip } from './support/skip.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/** Real calls of the observer: generate probes after triage (the status page is the free hint). */
const real = (events: ActivityEvent[]) =>
  events.filter((e) => e.type === 'probe' && e.recheck !== null && e.probe !== 'status_page');
const realCalls = (events: ActivityEvent[]) => real(events).length;
const lastRealCall = (events: ActivityEvent[]) => Math.max(0, ...real(events).map((e) => e.elapsedMs));

describe('an alert signal (time-skipping, mocked activities)', () => {
  it('records alerts, and a resolved one brings the next real call forward without closing anything', async () => {
    // Nobody approves, the provider stays down, the status page never changes: while the plan waits
    // for a human, the observer backs off and makes real calls only every 10 minutes.
    const input = unitInput({ billedProbesPerHour: 100_000, billedProbeBudget: 100_000 });
    const run = await startUnit(ctx, input, { health: () => false, statusPage: () => 'major' });
    await run.during(async () => {
      await run.handle.signal(alertSignal, {
        source: 'alertmanager',
        status: 'firing',
        fingerprint: 'fp-1',
        summary: 'generate failing',
        labels: { alertname: 'Down' },
      });
      await advanceUntil(ctx.env, run.handle, (s) => s.pendingApprovals.length > 0, 'an approval request', MIN);
      // Quiet: no real call for more than 5 minutes, only the free status page (read by a watch).
      const startMs = (await run.handle.describe()).startTime.getTime();
      const elapsedNow = async () => (await ctx.env.currentTimeMs()) - startMs;
      for (let step = 0; (await elapsedNow()) - lastRealCall(run.events) <= 5 * MIN; step += 1) {
        if (step > 60) throw new Error('never quiet');
        await ctx.env.sleep(MIN);
      }
      const quietSince = await elapsedNow();
      const settled = realCalls(run.events);
      await skip(ctx.env, run.handle, MIN);
      expect(realCalls(run.events)).toBe(settled);

      await run.handle.signal(alertSignal, {
        source: 'alertmanager',
        status: 'resolved',
        fingerprint: 'fp-1',
        summary: 'generate failing',
        labels: { alertname: 'Down' },
      });
      await advanceUntil(ctx.env, run.handle, () => realCalls(run.events) > settled, 'the requested real call', 10_000);
      const timeline = await run.handle.query(timelineQuery);
      const alerts = timeline.filter((e) => e.kind === 'alert');
      // Within the initial poll interval (30 s) of the signal, not at the next scheduled check (over
      // 4 minutes after the quiet phase began in this schedule). Activity times count from the start.
      const signalledAt = Date.parse(alerts[1]!.at) - startMs;
      expect(signalledAt).toBeGreaterThan(quietSince);
      expect(lastRealCall(run.events) - signalledAt).toBeLessThanOrEqual(40_000);
      expect(alerts.map((e) => e.message)).toEqual([
        'alertmanager alert firing: generate failing (fingerprint fp-1)',
        'alertmanager alert resolved: generate failing (fingerprint fp-1)',
      ]);
      expect(
        timeline.some(
          (e) =>
            e.message === 'Re-check requested: alertmanager reports the alert resolved; the next poll makes real calls',
        ),
      ).toBe(true);
      expect((await run.handle.describe()).status.name).toBe('RUNNING');
    });
  });
});
