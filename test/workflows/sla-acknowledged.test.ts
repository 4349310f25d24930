import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type proto from '@temporalio/proto';
import { acknowledgeSignal, timelineQuery } from '../../src/contract/index.ts';
import { advanceUntil, MIN, startTimeSkipping, startUnit, unitInput, type UnitRun } from './support/time-skipping.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/**
 * A P1 SLA (and escalation interval) of 17 min, and every other wait of the incident far from it:
 * polls ≤ 1 min, real checks every 2 min, updates every 45 min, the approval timeout a day. A timer
 * of more than 14 min and at most 17 min is the SLA clock's, and nothing else's.
 */
const SLA_MS = 17 * MIN;
const timings = {
  slaMs: { P1: SLA_MS },
  escalationEveryMs: SLA_MS,
  updateEveryMs: { P1: 45 * MIN },
  pollInitialMs: 30_000,
  pollMaxMs: MIN,
  realCheckEveryMs: 2 * MIN,
  pollsPerRun: 10_000,
};
const isSlaTimer = (e: HistoryEvent) => {
  const d = e.timerStartedEventAttributes?.startToFireTimeout;
  if (!d) return false;
  const ms = Number(d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
  return ms > 14 * MIN && ms <= SLA_MS;
};

/** The SLA clock's timers: how many started, fired and were cancelled; and its escalations. */
async function slaClock(run: UnitRun) {
  const events = (await run.handle.fetchHistory()).events ?? [];
  const started = events.filter(isSlaTimer).map((e) => e.timerStartedEventAttributes!.timerId!);
  const fired = events.filter(
    (e) => e.timerFiredEventAttributes && started.includes(e.timerFiredEventAttributes.timerId!),
  ).length;
  const cancelled = events.filter(
    (e) => e.timerCanceledEventAttributes && started.includes(e.timerCanceledEventAttributes.timerId!),
  ).length;
  const timeline = await run.handle.query(timelineQuery);
  const escalations = timeline.filter((e) => e.kind === 'escalation' && e.message.includes('not acknowledged')).length;
  return { started: started.length, fired, cancelled, escalations, events: events.length, timeline };
}

const decided = (run: UnitRun) => advanceUntil(ctx.env, run.handle, (s) => s.cause !== null, 'a decision', 5_000);

describe('the SLA clock and acknowledgement (time-skipping, mocked activities)', () => {
  it('unacknowledged: the SLA timer fires at 17 min and again every 17 min, each an escalation', async () => {
    const run = await startUnit(ctx, unitInput({ timings }), { health: () => false });
    const clock = await run.during(async () => {
      await decided(run);
      await ctx.env.sleep(40 * MIN);
      return slaClock(run);
    });
    expect(clock).toMatchObject({ started: 3, fired: 2, escalations: 2 });
  });

  it('acknowledged before the decision: no SLA timer is ever started', async () => {
    const run = await startUnit(ctx, unitInput({ timings }), { health: () => false });
    // Before any worker polls: the signal waits in the history for the first task.
    await run.handle.signal(acknowledgeSignal, { by: 'dana' });
    const clock = await run.during(async () => {
      await decided(run);
      await ctx.env.sleep(40 * MIN);
      return slaClock(run);
    });
    expect(clock).toMatchObject({ started: 0, fired: 0, cancelled: 0, escalations: 0 });
    // The acknowledgement came first, and the incident still opened (state, search attribute, memo).
    expect(clock.timeline.filter((e) => e.kind === 'state')[0]!.message).toMatch(/^investigating: alert by alice/);
    expect((await run.handle.describe()).memo?.summary).toMatchObject({
      runbook: 'ideogram',
      cause: 'provider_outage',
    });
  });

  it('acknowledged after the decision, before the SLA: its one timer is cancelled and never fires', async () => {
    const run = await startUnit(ctx, unitInput({ timings }), { health: () => false });
    const clock = await run.during(async () => {
      await decided(run);
      await run.handle.signal(acknowledgeSignal, { by: 'dana' });
      await advanceUntil(ctx.env, run.handle, (s) => s.acknowledged, 'the acknowledgement');
      await ctx.env.sleep(40 * MIN);
      return slaClock(run);
    });
    expect(clock).toMatchObject({ started: 1, fired: 0, cancelled: 1, escalations: 0 });
  });
});
