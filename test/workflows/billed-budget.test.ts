import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acknowledgeSignal, approveSignal } from '../../src/contract/index.ts';
import {
  advanceUntil,
  MIN,
  startTimeSkipping,
  startUnit,
  unitInput,
  unitServiceWith,
} from './support/time-skipping.ts';

// Its own time-skipping server: a run that outlives its test would stop time for every later one.
let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/**
 * Skipped time per look: shorter than any activity's timeout. A longer skip can pass over a probe
 * still running on a busy machine, time it out, and turn the round into "could not run".
 */
const STEP_MS = 20_000;

/** Nobody at the keyboard: P1 fallback by policy, every other step auto-approved after 10 minutes. */
const unattended = {
  policy: { timeoutMs: 10 * MIN, onTimeout: 'auto-approve' as const },
  service: unitServiceWith({ autoApproveP1Fallback: true }),
};

describe('a billed budget that runs out while the provider is still down (time-skipping, mocked activities)', () => {
  // Budget 7: the triage spends 2 and the two confirmation rounds 4, so 1 is left, which cannot pay
  // for a real round of 2. Before the fix such an incident waited in monitoring with nobody asked.
  it('asks a human to confirm recovery and then stability, escalating once, when what is left cannot pay for a real round (no escalation deadline)', async () => {
    const run = await startUnit(ctx, unitInput({ ...unattended, billedProbeBudget: 7 }), {
      health: () => false,
      statusPage: () => 'none',
    });
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(
        ctx.env,
        run.handle,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'confirm-recovery'),
        'the confirm-recovery request',
        STEP_MS,
      );
      await run.handle.signal(approveSignal, {
        stepId: 'confirm-recovery',
        by: 'bob',
        comment: 'provider dashboard is green',
      });
      // Fallback goes off (auto-approved after 10 min); whether that holds, too, only a human can say now.
      await advanceUntil(
        ctx.env,
        run.handle,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'confirm-stable'),
        'the confirm-stable request',
        STEP_MS,
      );
      await run.handle.signal(approveSignal, { stepId: 'confirm-stable', by: 'bob' });
      return run.handle.result();
    });
    expect(result.state).toBe('resolved');
    expect(
      result.approvals
        .filter((a) => a.stepId.startsWith('confirm-'))
        .map((a) => `${a.stepId} ${a.decision} by ${a.by}`),
    ).toEqual(['confirm-recovery approved by bob', 'confirm-stable approved by bob']);
    expect(
      result.timeline.filter((e) => e.kind === 'escalation' && e.message.includes('still unhealthy')),
    ).toHaveLength(0);
    expect(result.timeline.filter((e) => e.kind === 'escalation' && e.message.includes('budget'))).toHaveLength(1);
    expect(result.mutations.every((m) => m.revertedAt || m.op.kind === 'rollout-restart')).toBe(true);
    expect(result.timeline.some((e) => e.message.includes('Recovery confirmed by a human'))).toBe(true);
  }, 180_000);
});
