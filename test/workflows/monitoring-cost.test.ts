import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type proto from '@temporalio/proto';
import { HOUR, MIN, outageFor, startTimeSkipping, startUnit, unitInput } from './support/time-skipping.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

const millis = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
const kind = (e: HistoryEvent) =>
  Object.keys(e)
    .find((k) => k.endsWith('EventAttributes'))!
    .replace(/EventAttributes$/, '');

describe('what an open incident costs in history while it monitors (time-skipping, production timings)', () => {
  it('an hour of a sustained outage with fallback on: the events of that hour, counted from the history', async () => {
    const run = await startUnit(
      ctx,
      unitInput({
        policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' },
        service: { ...unitInput().service, settings: { autoApproveP1Fallback: true } },
      }),
      { health: outageFor(4 * HOUR) },
    );
    const result = await run.during(() => run.handle.result());
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    // The first run: the hour lies before its continue-as-new.
    const events =
      (await ctx.env.client.workflow.getHandle(run.handle.workflowId, run.handle.firstExecutionRunId).fetchHistory())
        .events ?? [];
    // The second hour after the start: fallback is on, the provider still down, nobody is asked anything.
    const start = millis(events[0]!);
    const hour = events.filter((e) => millis(e) >= start + HOUR && millis(e) < start + 2 * HOUR);
    const counts = hour.reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [kind(e)]: (acc[kind(e)] ?? 0) + 1 }),
      {},
    );
    process.stdout.write(`events in the second hour of monitoring: ${hour.length} ${JSON.stringify(counts)}\n`);
    const reads = hour.flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
    );
    process.stdout.write(`probe reads in that hour: ${reads.filter((r) => r !== 'notify').join(', ')}\n`);
    // Waiting for a recovery, the real checks back off to 5 minutes: 12 in the hour, each with the
    // hint along (runProbes), inside the hourly rate (20 rounds); between them the hint is watched
    // (watchHint), never read alone in a workflow task.
    const realRounds = reads.filter((r) => r === 'runProbes').length;
    expect(realRounds).toBeGreaterThanOrEqual(11);
    expect(realRounds).toBeLessThanOrEqual(13);
    expect(reads.filter((r) => r === 'runProbe')).toEqual([]);
    // One workflow task per timer and per activity, none more: a poll costs a timer, a task and one probe read.
    expect(counts.workflowTaskCompleted).toBe((counts.timerFired ?? 0) + (counts.activityTaskCompleted ?? 0));
  });
});
