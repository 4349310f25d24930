import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  acknowledgeSignal,
  approveSignal,
  cancelSignal,
  resolveSignal,
  setRootCauseSignal,
  statusQuery,
  timelineQuery,
} from '../../src/contract/index.ts';
import {
  advanceUntil,
  MIN,
  startTimeSkipping,
  startUnit,
  unitInput,
  unitServiceWith,
} from './support/time-skipping.ts';
import { skip } from './support/skip.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

describe('SLA escalation, stakeholder updates and cancel (time-skipping, mocked activities)', () => {
  it('escalates a P1 every 15 min until acknowledged; cancel reverts every applied change; a broken sink never fails the incident', async () => {
    const run = await startUnit(ctx, unitInput(), { health: () => false, failingSink: true });
    const result = await run.during(async () => {
      const h = run.handle;
      await advanceUntil(
        ctx.env,
        h,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
        'fallback requested',
        5_000,
      );
      await h.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      await advanceUntil(ctx.env, h, (s) => s.state === 'monitoring', 'monitoring');
      await skip(ctx.env, h, 50 * MIN);

      const timeline = await h.query(timelineQuery);
      // The SLA clock starts when the incident was opened (the server's start time), before the first task ran.
      const start = (await h.describe()).startTime.getTime();
      expect(Date.parse(timeline[0]!.at)).toBeGreaterThanOrEqual(start);
      const sla = timeline.filter((e) => e.kind === 'escalation' && e.message.includes('not acknowledged'));
      expect(sla.map((e) => Math.round((Date.parse(e.at) - start) / MIN))).toEqual([15, 30, 45]);
      expect(sla[0]!.message).toBe('P1 not acknowledged within its response time (15 min SLA) — page the next on-call');

      await h.signal(acknowledgeSignal, { by: 'dana' });
      await h.signal(setRootCauseSignal, { by: 'dana', text: 'provider database failover' });
      await skip(ctx.env, h, 60 * MIN);
      const later = await h.query(timelineQuery);
      expect(later.filter((e) => e.kind === 'escalation')).toHaveLength(3);
      const status = await h.query(statusQuery);
      expect(status).toMatchObject({
        owner: 'dana',
        acknowledged: true,
        state: 'monitoring',
        communicationStatus: 'MITIGATED',
      });
      expect(status.nextUpdateAt).not.toBeNull();

      await h.signal(cancelSignal, { by: 'dana', reason: 'drill over' });
      return h.result();
    });

    expect(result.state).toBe('cancelled');
    expect(run.events.filter((e) => e.type === 'revert').map((e) => e.type === 'revert' && e.step)).toEqual([
      'enable-fallback',
    ]);
    expect(result.mutations.find((m) => m.step === 'enable-fallback')!.revertedAt).toBeDefined();
    expect(result.timeline.filter((e) => e.kind === 'state').at(-1)!.message).toBe(
      'cancelled: Cancelled by dana: drill over',
    );

    // Status at every change, escalations, and reminders every 30 min while nothing changed.
    const kinds = run.events.filter((e) => e.type === 'notify').map((e) => e.type === 'notify' && e.kind);
    expect(kinds.filter((k) => k === 'escalation')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'reminder').length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((k) => k === 'approval_request')).toHaveLength(1);
    const failed = result.timeline.filter(
      (e) => e.kind === 'notification' && e.message.includes('failed: webhook:127.0.0.1 (HTTP 500)'),
    );
    expect(failed.length).toBe(kinds.length);

    expect(result.postmortem).toContain('### Root Cause\nprovider database failover');
    expect(result.postmortem).toMatch(/- \d\d:\d\d - Root cause identified/);
  });

  it('a manual resolve during monitoring reverts what was applied, then resolves', async () => {
    const run = await startUnit(ctx, unitInput({ service: unitServiceWith({ autoApproveP1Fallback: true }) }), {
      health: () => false,
    });
    const result = await run.during(async () => {
      await advanceUntil(ctx.env, run.handle, (s) => s.state === 'monitoring', 'monitoring', 5_000);
      await skip(ctx.env, run.handle, 5 * MIN);
      await run.handle.signal(resolveSignal, { by: 'dana', reason: 'provider confirmed the fix' });
      return run.handle.result();
    });
    expect(result.state).toBe('resolved');
    expect(run.events.filter((e) => e.type === 'revert').map((e) => e.type === 'revert' && e.step)).toEqual([
      'enable-fallback',
    ]);
    expect(result.timeline.filter((e) => e.kind === 'state').at(-1)!.message).toBe(
      'resolved: Resolved manually by dana: provider confirmed the fix',
    );
    expect(result.postmortem).toContain('Resolved manually by dana');
  });
});
