import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uniqueTaskQueue } from '../support/temporal.ts';
import type { ledgerWorkflow } from './fixtures/ledger-workflow.ts';
import { createMockActivities } from './support/mock-activities.ts';
import { pinnedUnitInput, startTimeSkipping } from './support/time-skipping.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping(fileURLToPath(new URL('./fixtures/ledger-workflow.ts', import.meta.url)));
});
afterAll(() => ctx.env.teardown());

describe('mutation ledger and recorder alone (time-skipping, mocked cluster activities)', () => {
  it('applies once per step, keeps with a reason, settles only real leftovers, reverts newest first; status, memo and result agree', async () => {
    const taskQueue = uniqueTaskQueue('ledger');
    const { activities, events } = createMockActivities();
    const worker = await Worker.create({
      connection: ctx.env.nativeConnection,
      taskQueue,
      activities,
      workflowBundle: { code: ctx.bundle },
    });
    const handle = await ctx.env.client.workflow.start<typeof ledgerWorkflow>('ledgerWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [pinnedUnitInput()],
    });
    const run = await worker.runUntil(handle.result());

    expect(run.sameRecordTwice).toBe(true);
    expect(run.appliedA).toEqual([true, true, false]);
    expect(events.filter((e) => e.type === 'apply').map((e) => e.type === 'apply' && e.step)).toEqual([
      'a',
      'restart',
      'b',
    ]);
    // A restart is not a change to undo; a kept change is settled already.
    expect(run.leftovers).toEqual(['a']);
    // Cancellation reverts everything still applied, newest first; a restart is only marked.
    expect(events.filter((e) => e.type === 'revert').map((e) => e.type === 'revert' && e.step)).toEqual(['b', 'a']);
    expect(run.ledger.every((m) => m.revertedAt)).toBe(true);
    expect(run.ledger.find((m) => m.step === 'b')!.keptBecause).toBe('the fix itself');
    const timeline = run.result.timeline;
    expect(timeline.filter((e) => e.message.startsWith('Kept in place')).length).toBe(1);
    expect(timeline.filter((e) => e.kind === 'state').map((e) => e.message)).toEqual([
      'investigating: alert by alice — "all generations fail"',
      'mitigating: a',
    ]);

    const memo = (await handle.describe()).memo as { summary: Record<string, unknown> };
    const views = [run.status, run.result, memo.summary].map((v) => ({
      state: v.state,
      severity: v.severity,
      cause: v.cause,
    }));
    expect(views).toEqual(
      Array.from({ length: 3 }, () => ({ state: 'mitigating', severity: 'P2', cause: 'rate_limited' })),
    );
    expect(run.status.rationale).toBe('HTTP 429 on every call');
    expect(memo.summary.rationale).toBe('HTTP 429 on every call');
  });
});
