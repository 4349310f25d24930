import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { uniqueTaskQueue } from '../support/temporal.ts';
import type { driftWorkflow } from './fixtures/drift-workflow.ts';
import { createMockActivities } from './support/mock-activities.ts';
import { pinnedUnitInput, startTimeSkipping } from './support/time-skipping.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping(fileURLToPath(new URL('./fixtures/drift-workflow.ts', import.meta.url)));
});
afterAll(() => ctx.env.teardown());

describe('mutation ledger over knobs changed by hand (time-skipping, mocked cluster activities)', () => {
  it('records the drift on the timeline and in the postmortem, asks a human, and never claims a revert that did not happen', async () => {
    const taskQueue = uniqueTaskQueue('drift');
    const { activities, events } = createMockActivities({
      changedByHand: { apply: ['joined'], revert: ['fallback', 'restored'] },
    });
    const worker = await Worker.create({
      connection: ctx.env.nativeConnection,
      taskQueue,
      activities,
      workflowBundle: { code: ctx.bundle },
    });
    const handle = await ctx.env.client.workflow.start<typeof driftWorkflow>('driftWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [pinnedUnitInput(), { 'drift-restored': true }],
    });
    const run = await worker.runUntil(handle.result());

    // One question per drift, which only a human can answer (no approval on timeout).
    expect(run.asked.map((a) => [a.stepId, a.neverAutoApprove])).toEqual([
      ['drift-joined', true],
      ['drift-restored', true],
      ['drift-fallback', true],
    ]);
    expect(run.asked[0]!.description).toContain('was not applied');
    expect(run.asked[2]!.description).toContain('Approve to restore the recorded prior state');
    // Rejected: the human's value is let go of ('keep'), never overwritten; approved: restored over it.
    const choices = events.flatMap((e) =>
      (e.type === 'apply' || e.type === 'revert') && e.onDrift ? [[e.type, e.step, e.onDrift]] : [],
    );
    expect(choices).toEqual([
      ['revert', 'joined', 'keep'],
      ['revert', 'restored', 'overwrite'],
      ['revert', 'fallback', 'keep'],
    ]);
    const byStep = Object.fromEntries(run.ledger.map((m) => [m.step, m]));
    expect(byStep.fallback!.revertedAt).toBeUndefined();
    expect(byStep.fallback!.keptBecause).toBe(
      "drift: env prod/image-service/api/FALLBACK is 'false' (set by hand), the engine expected 'true': left as the human set it (drift-fallback rejected)",
    );
    expect(byStep.joined!.revertedAt).toBeUndefined();
    expect(byStep.joined!.keptBecause).toContain('drift-joined rejected');
    expect(byStep.restored!.revertedAt).toBeDefined();
    expect(byStep.restored!.keptBecause).toBeUndefined();

    const timeline = run.result.timeline.map((e) => e.message);
    expect(timeline.filter((m) => m.startsWith('drift: '))).toHaveLength(3);
    const reverted = run.result.timeline.filter((e) => e.kind === 'reverted').map((e) => e.message);
    expect(reverted).toEqual([expect.stringContaining('over the value set by hand (drift-restored approved)')]);
    // The report and the 'keep': the later revert of a change left as the human set it calls nothing.
    expect(events.filter((e) => e.type === 'revert' && e.step === 'fallback')).toHaveLength(2);

    expect(run.postmortem).toContain(
      "kept: drift: env prod/image-service/api/FALLBACK is 'false' (set by hand), the engine expected 'true': left as the human set it (drift-fallback rejected)",
    );
    expect(run.postmortem).toContain('drift: env prod/image-service/api/FALLBACK is');
  });
});
