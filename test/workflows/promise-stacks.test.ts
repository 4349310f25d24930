import { setTimeout as sleep } from 'node:timers/promises';
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { defineQuery } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { withPreloadedWorkflowThreads } from '../../src/worker/workflow-threads.ts';
import {
  advanceUntil,
  HOUR,
  MIN,
  outageFor,
  startTimeSkipping,
  startUnit,
  unitInput,
} from './support/time-skipping.ts';

const REPORTING_PRELOAD = new URL('./support/report-promise-hook.ts', import.meta.url).href;

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

interface EnhancedStackTrace {
  stacks: Array<{ locations: Array<{ file_path?: string; function_name?: string; line?: number; column?: number }> }>;
}

/** The SDK's own queries, answered from its promise stacks. */
const stackTraceQuery = defineQuery<string>('__stack_trace');
const enhancedStackTraceQuery = defineQuery<EnhancedStackTrace>('__enhanced_stack_trace');

/** Until no activity or workflow task is pending: the skipped clock stands still meanwhile, so every wait is the same. */
async function settled(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask) return;
    await sleep(20);
  }
  throw new Error('the incident never settled');
}

/** What the SDK's stack-trace queries say of an incident waiting for its fallback's approval. */
async function stacksWhileAwaitingApproval(
  createWorker: Parameters<typeof startUnit>[3],
): Promise<{ text: string; enhanced: EnhancedStackTrace }> {
  const run = await startUnit(
    ctx,
    unitInput({ policy: { approvers: ['alice'], timeoutMs: 60 * MIN } }),
    { health: outageFor(2 * HOUR) },
    createWorker,
  );
  return run.during(async () => {
    await advanceUntil(
      ctx.env,
      run.handle,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
      'enable-fallback requested',
      5_000,
    );
    await settled(run.handle);
    return {
      text: await run.handle.query(stackTraceQuery),
      enhanced: await run.handle.query(enhancedStackTraceQuery),
    };
  });
}

const stacksOf = (text: string) => text.split('\n\n').sort();
const sortedByText = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();

describe("a worker's workflow threads format promise stack traces when a query reads them", () => {
  it('the lazy hook runs in the workflow threads, and the stack-trace queries answer exactly as with the SDK hook', async () => {
    const reports: Array<{ lazyPromiseStacks: boolean; activationWatchdog: boolean }> = [];
    const channel = new BroadcastChannel('promise-hook-report');
    const reported = new Promise<void>((resolve) => {
      channel.onmessage = (message) => {
        reports.push((message as { data: (typeof reports)[number] }).data);
        resolve();
      };
    });
    try {
      const lazy = await stacksWhileAwaitingApproval((options) =>
        withPreloadedWorkflowThreads(() => Worker.create(options), REPORTING_PRELOAD),
      );
      await reported;
      const sdk = await stacksWhileAwaitingApproval((options) => Worker.create(options));

      // Both on: the activations, the queries among them, ran under one watchdog each.
      expect(reports).toEqual([{ lazyPromiseStacks: true, activationWatchdog: true }]);
      // The incident's own frames, source-mapped to the engine's files.
      expect(sdk.text).toMatch(/src\/workflows\/[\w/-]+\.ts:\d+:\d+/);
      expect(sdk.enhanced.stacks.length).toBeGreaterThan(1);
      // The same stacks; their order follows how the server batched the incident's activations.
      expect(stacksOf(lazy.text)).toEqual(stacksOf(sdk.text));
      expect(sortedByText(lazy.enhanced.stacks)).toEqual(sortedByText(sdk.enhanced.stacks));
    } finally {
      channel.close();
    }
  });
});
