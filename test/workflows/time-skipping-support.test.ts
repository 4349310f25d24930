/**
 * The time-skipping support's guards against the test server stranding a workflow whose task
 * cancels a timer that fired while the task was with the worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { uniqueTaskQueue } from '../support/temporal.ts';
import { slowSignal, type strandWorkflow } from './fixtures/strand-workflow.ts';
import { skip, untilStranded } from './support/skip.ts';
import { startTimeSkipping } from './support/time-skipping.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/strand-workflow.ts', import.meta.url));

async function withStrandWorkflow<T>(
  timerMs: number,
  body: (ctx: Awaited<ReturnType<typeof startTimeSkipping>>, handle: StrandHandle) => Promise<T>,
): Promise<T> {
  const ctx = await startTimeSkipping(FIXTURE);
  const stop = new AbortController();
  try {
    const taskQueue = uniqueTaskQueue('strand');
    const worker = await Worker.create({
      connection: ctx.env.nativeConnection,
      taskQueue,
      workflowBundle: { code: ctx.bundle },
    });
    return await worker.runUntil(async () => {
      const handle = await ctx.env.client.workflow.start<typeof strandWorkflow>('strandWorkflow', {
        taskQueue,
        workflowId: taskQueue,
        args: [timerMs],
      });
      try {
        return await ctx.env.client.withAbortSignal(stop.signal, () => body(ctx, handle));
      } finally {
        stop.abort();
        await handle.terminate('test finished').catch(() => undefined);
      }
    });
  } finally {
    await ctx.env.teardown().catch(() => undefined);
  }
}

/** Once the workflow's first task has started its timer. */
async function untilTimerStarted(handle: StrandHandle): Promise<void> {
  for (;;) {
    const { events } = await handle.fetchHistory();
    if (events?.some((e) => e.timerStartedEventAttributes)) return;
    await sleep(20);
  }
}

type StrandHandle = Awaited<
  ReturnType<Awaited<ReturnType<typeof startTimeSkipping>>['env']['client']['workflow']['start']>
>;

describe('time-skipping support (the test server, a fixture workflow)', { timeout: 90_000 }, () => {
  it('a workflow the test server strands fails its test with the stranded task named, long before the test times out', async () => {
    await withStrandWorkflow(3_000, async (_ctx, handle) => {
      const watching = new AbortController();
      // Signalled once its timer runs (a slow first task must not let the timer fire first), the
      // handler holds its task past the timer: the task's completion cancels a fired timer.
      await untilTimerStarted(handle);
      await handle.signal(slowSignal, 4_500);
      await expect(untilStranded(handle, watching.signal)).rejects.toThrow(/stranded by the test server/);
      expect((await handle.describe()).status.name).toBe('RUNNING');
    });
  });

  it('a skip goes past a timer due within its guard, so a slow signal after it cannot strand the workflow', async () => {
    await withStrandWorkflow(60_000, async (ctx, handle) => {
      // Without the guard the one-minute timer would fire a second after the skip, inside the signal's task.
      await skip(ctx.env, handle, 59_000);
      await handle.signal(slowSignal, 1_500);
      expect(await handle.result()).toBe('timed out');
    });
  });
});
