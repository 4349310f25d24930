import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type proto from '@temporalio/proto';
import { workflowPollers } from '../../src/app/workers.ts';
import { cancelSignal } from '../../src/contract/index.ts';
import { DRILL_TIMINGS, startHarness, type Harness } from '../support/incident-harness.ts';

type Timestamp = proto.google.protobuf.ITimestamp;
type Duration = proto.google.protobuf.IDuration;

/** A P1 SLA no other timer of the incident shares, so its timer is recognisable in the history. */
const SLA_P1_MS = 345_000;
/** How long the incident waits in the task queue before a worker polls. */
const BACKLOG_MS = 1_500;

/** Workflow time is the workflow task's start time in milliseconds, as the SDK truncates it. */
const ms = (t: Timestamp | null | undefined) => Number(t!.seconds) * 1000 + Math.floor((t!.nanos ?? 0) / 1e6);
const durationMs = (d: Duration | null | undefined) =>
  Number(d!.seconds ?? 0) * 1000 + Math.floor((d!.nanos ?? 0) / 1e6);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    scenario: 'outage-503',
    deferWorker: true,
    timings: { slaMs: { ...DRILL_TIMINGS.slaMs, P1: SLA_P1_MS } },
  });
});
afterAll(() => h.close());

describe('the SLA clock under a backlog (dev server, no worker at first)', () => {
  it('starts when the incident was opened (the start request), not when a worker first ran it', async () => {
    const handle = await h.start();
    const { startTime } = await handle.describe();
    const opened = startTime.getTime();

    // Let a backlog build up: the start is accepted, nobody polls, no workflow task has started.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const events = (await handle.fetchHistory()).events ?? [];
      expect(
        events.some((e) => e.workflowTaskStartedEventAttributes),
        'a workflow task started without a worker',
      ).toBe(false);
      if (Date.now() >= opened + BACKLOG_MS) break;
      if (Date.now() > deadline) throw new Error('the backlog never reached its length');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await workflowPollers(h.client, h.taskQueue)).toBe(0);

    h.startWorker();
    const status = await h.waitFor(handle, (s) => s.cause === 'provider_outage', 'the P1 decision');
    expect(status.severity).toBe('P1');
    // Opened-at is the start request's time, in the status (and so the postmortem and the SLA).
    expect(status.startedAt).toBe(startTime.toISOString());

    const events = (await handle.fetchHistory()).events ?? [];
    const firstRun = ms(events.find((e) => e.workflowTaskStartedEventAttributes)!.eventTime);
    expect(firstRun - opened).toBeGreaterThanOrEqual(BACKLOG_MS);

    // When each timer fires: the workflow time of the task that started it plus its duration.
    const fireTimes: number[] = [];
    let taskTime = 0;
    for (const e of events) {
      if (e.workflowTaskStartedEventAttributes) taskTime = ms(e.eventTime);
      if (e.timerStartedEventAttributes)
        fireTimes.push(taskTime + durationMs(e.timerStartedEventAttributes.startToFireTimeout));
    }
    expect(fireTimes).toContain(opened + SLA_P1_MS);
    expect(fireTimes).not.toContain(firstRun + SLA_P1_MS);

    await handle.signal(cancelSignal, { by: 'test', reason: 'done' });
    expect((await handle.result()).state).toBe('cancelled');
  });
});
