import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import {
  ErrorTypes,
  acknowledgeSignal,
  approveSignal,
  decideUpdate,
  INCIDENT_WORKFLOW_TYPE,
  rejectSignal,
  timelineQuery,
  type IncidentStart,
} from '../../src/contract/index.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';
import {
  advanceUntil,
  HOUR,
  MIN,
  outageFor,
  startTimeSkipping,
  startUnit,
  unitInput,
} from './support/time-skipping.ts';
import { skip } from './support/skip.ts';
import { Worker } from '@temporalio/worker';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';

// Approval timeouts stay at 10 min: with 30-min jumps the time-skipping test server sometimes left
// the next activity task unpolled (seen with @temporalio/testing 1.24), which is not what is tested here.
let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/** The validator's message: the update is rejected before anything enters history. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: { cause?: { message?: string } }) => err.cause?.message ?? String(err),
  );

const pending = (stepId: string) => (s: { pendingApprovals: Array<{ stepId: string }> }) =>
  s.pendingApprovals.some((a) => a.stepId === stepId);

describe('approval gate (time-skipping, mocked activities)', () => {
  it('enforces the policy: named approvers, 2 of 3 distinct, no self-approval; invalid decisions are recorded and change nothing', async () => {
    const run = await startUnit(
      ctx,
      unitInput({ policy: { approvers: ['alice', 'bob', 'carol'], required: 2, timeoutMs: 60 * MIN } }),
      { health: outageFor(2 * HOUR) },
    );
    const result = await run.during(async () => {
      const h = run.handle;
      await advanceUntil(ctx.env, h, pending('enable-fallback'), 'enable-fallback requested', 5_000);
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'alice' });
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'eve' });
      await h.signal(approveSignal, { stepId: 'disable-everything', by: 'bob' });
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob', comment: 'go' });
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      const status = await advanceUntil(
        ctx.env,
        h,
        (s) => s.pendingApprovals[0]?.decisions.length === 1,
        'first approval counted',
      );
      expect(status.state).toBe('awaiting_approval');
      expect(run.events.filter((e) => e.type === 'apply')).toEqual([]);

      expect(
        await rejection(
          h.executeUpdate(decideUpdate, { args: [{ stepId: 'enable-fallback', by: 'mallory', decision: 'approved' }] }),
        ),
      ).toMatch(/mallory is not an approver/);
      expect(
        await h.executeUpdate(decideUpdate, {
          args: [{ stepId: 'enable-fallback', by: 'carol', decision: 'approved' }],
        }),
      ).toEqual({ accepted: true, message: 'approved enable-fallback' });
      expect(
        await rejection(
          h.executeUpdate(decideUpdate, { args: [{ stepId: 'enable-fallback', by: 'carol', decision: 'rejected' }] }),
        ),
      ).toMatch(/already decided/);

      await advanceUntil(ctx.env, h, pending('disable-fallback'), 'disable-fallback requested', 30_000);
      await h.signal(rejectSignal, { stepId: 'disable-fallback', by: 'carol', comment: 'keep it on overnight' });
      return h.result();
    });

    const ignored = result.timeline.filter((e) => e.message.startsWith('Ignored')).map((e) => e.message);
    expect(ignored).toEqual([
      'Ignored approval from alice: alice reported this incident and may not approve its own remediation (policy: no self-approval)',
      'Ignored approval from eve: eve is not an approver (allowed: alice, bob, carol)',
      'Ignored approval from bob: unknown step "disable-everything" — pending: enable-fallback',
      'Ignored approval from bob: bob already decided step "enable-fallback"',
    ]);
    expect(result.approvals.map((a) => [a.stepId, a.by, a.decision])).toEqual([
      ['enable-fallback', 'bob', 'approved'],
      ['enable-fallback', 'carol', 'approved'],
      ['disable-fallback', 'carol', 'rejected'],
    ]);
    expect(result.timeline.find((e) => e.kind === 'approved')!.message).toBe('enable-fallback approved by bob, carol');
    // Rejection skipped the mutation and said what happens instead.
    const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(fallback.revertedAt).toBeUndefined();
    expect(fallback.keptBecause).toMatch(
      /^turning fallback off was rejected \(disable-fallback\): turn it off later with kubectl set env/,
    );
    expect(result.timeline.some((e) => e.message.startsWith('Kept in place: IDEOGRAM_FALLBACK=true'))).toBe(true);
    expect(result.postmortem).toContain('kept: turning fallback off was rejected');
    expect(run.events.filter((e) => e.type === 'revert')).toEqual([]);
  });

  it('timeout → reject: the step is skipped and the incident goes on without it', async () => {
    const run = await startUnit(ctx, unitInput({ policy: { timeoutMs: 10 * MIN, onTimeout: 'reject' } }), {
      health: outageFor(30 * MIN),
    });
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      return run.handle.result();
    });
    const rejected = result.timeline.find((e) => e.kind === 'rejected')!;
    expect(rejected.message).toBe('enable-fallback timed out without a decision: rejected by policy');
    expect(Date.parse(rejected.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(10 * MIN);
    expect(result.mutations).toEqual([]);
    expect(result.timeline.some((e) => e.message.startsWith('Fallback rejected'))).toBe(true);
    expect(result.state).toBe('resolved');
  });

  it('timeout → auto-approve: the policy approves after the timeout, and changes are still reverted', async () => {
    const run = await startUnit(ctx, unitInput({ policy: { timeoutMs: 10 * MIN, onTimeout: 'auto-approve' } }), {
      health: outageFor(30 * MIN),
    });
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      return run.handle.result();
    });
    expect(result.approvals.map((a) => [a.stepId, a.by])).toEqual([
      ['enable-fallback', 'policy:timeout'],
      ['disable-fallback', 'policy:timeout'],
    ]);
    expect(run.events.filter((e) => e.type === 'apply').map((e) => e.type === 'apply' && e.step)).toEqual([
      'enable-fallback',
      'restart-for-fallback',
      'restart-after-fallback-1',
    ]);
    expect(run.events.filter((e) => e.type === 'revert').map((e) => e.type === 'revert' && e.step)).toEqual([
      'enable-fallback',
    ]);
  });

  it('timeout → escalate: escalates every timeout until a human decides', async () => {
    const run = await startUnit(ctx, unitInput({ policy: { timeoutMs: 10 * MIN, onTimeout: 'escalate' } }), {
      health: outageFor(2 * HOUR),
    });
    const result = await run.during(async () => {
      const h = run.handle;
      await h.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, h, pending('enable-fallback'), 'enable-fallback requested', 5_000);
      await skip(ctx.env, h, 25 * MIN);
      const timeline = await h.query(timelineQuery);
      expect(timeline.filter((e) => e.kind === 'escalation').map((e) => e.message)).toEqual([
        'approval of enable-fallback has waited 10 min',
        'approval of enable-fallback has waited 10 min',
      ]);
      await advanceUntil(ctx.env, h, pending('enable-fallback'), 'still pending after escalations');
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      await advanceUntil(ctx.env, h, pending('disable-fallback'), 'disable-fallback requested', 30_000);
      await h.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
      return h.result();
    });
    expect(result.state).toBe('resolved');
    expect(result.approvals.map((a) => [a.stepId, a.by])).toEqual([
      ['enable-fallback', 'bob'],
      ['disable-fallback', 'bob'],
    ]);
  });

  it('refuses invalid input with InvalidIncidentInput and a message that says what was wrong', async () => {
    const taskQueue = uniqueTaskQueue('unit');
    const worker = await Worker.create({
      connection: ctx.env.nativeConnection,
      taskQueue,
      activities: {},
      workflowBundle: { code: ctx.bundle },
    });
    // Since the catalog a start request names its service; an inline target (or policy) is refused outright.
    const bad = {
      ...unitInput(),
      trigger: 'pager',
      service: { ...unitInput().service, baseUrl: 'http://attacker.example' },
    };
    const error = await worker.runUntil(
      ctx.env.client.workflow
        .execute<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: `bad-${taskQueue}`,
          args: [bad as unknown as IncidentStart],
        })
        .then(
          () => null,
          (err: unknown) => err,
        ),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe(ErrorTypes.InvalidIncidentInput);
    expect(cause.message).toMatch(/service: Invalid input: expected string, received object/);
    expect(cause.message).toMatch(/trigger: /);
    expect(cause.message).toMatch(/Unrecognized key: "policy"/);
  });
});
