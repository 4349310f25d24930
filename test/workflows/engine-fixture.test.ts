/**
 * The engine's judgement on a runbook of its own (test/fixtures/runbooks/engine-fixture.yaml), not
 * on a real provider's: triage by the decision table, confirmation, approval before any change,
 * recovery judged by real calls, hand-over, a human's resolve, a re-triage, a transient fault.
 */
import { describe, expect, it } from 'vitest';
import {
  acknowledgeSignal,
  approveSignal,
  postmortemQuery,
  resolveSignal,
  type IncidentResult,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import { fixtureInput, fixtureRunbook } from './support/fixture-runbook.ts';
import {
  advanceUntil,
  HOUR,
  MIN,
  outageFor,
  startUnit,
  timeSkippingPerTest,
  type UnitRun,
} from './support/time-skipping.ts';
import type { MockActivityOptions } from './support/mock-activities.ts';
import { skip } from './support/skip.ts';

const ctx = timeSkippingPerTest();

const start = (mock: MockActivityOptions, overrides: Parameters<typeof fixtureInput>[0] = {}) =>
  startUnit(ctx, fixtureInput(overrides), { ...mock, runbookDocument: fixtureRunbook });

const pending = (step: string) => (s: IncidentStatus) => s.pendingApprovals.some((a) => a.stepId === step);

/** Acknowledges, approves `step` once it is asked (skipping `stepMs` between looks), and returns the result. */
async function approveAndFinish(run: UnitRun, step: string, stepMs = 0): Promise<IncidentResult> {
  return run.during(async () => {
    await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
    await advanceUntil(ctx.env, run.handle, pending(step), `${step} asked`, stepMs);
    expect(run.events.filter((e) => e.type === 'apply')).toEqual([]);
    await run.handle.signal(approveSignal, { stepId: step, by: 'bob' });
    return run.handle.result();
  });
}

const notes = (result: IncidentResult) => result.timeline.filter((e) => e.kind === 'note').map((e) => e.message);

describe('the engine on its fixture runbook (time-skipping, mocked activities)', { retry: 1 }, () => {
  it('confirms a sustained outage, changes production only once approved, and takes the change off after real calls recover', async () => {
    const run = await start({ health: outageFor(30 * MIN) });
    const result = await approveAndFinish(run, 'enable-fallback');

    expect(result).toMatchObject({ state: 'resolved', cause: 'outage', severity: 'P1' });
    expect(result.decision!.rationale).toContain('Calls fail with a server error');
    expect(notes(result).some((n) => n.startsWith('Confirmed sustained'))).toBe(true);
    expect(result.approvals).toEqual([expect.objectContaining({ stepId: 'enable-fallback', by: 'bob' })]);
    const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(fallback.change).toBe('FIXTURE_FALLBACK=true');
    expect(fallback.revertedAt).toBeDefined();
    const revert = run.events.find((e) => e.type === 'revert')!;
    expect(revert.elapsedMs).toBeGreaterThanOrEqual(30 * MIN);
    expect(run.events.filter((e) => e.type === 'apply').map((e) => e.type === 'apply' && e.step)).toEqual([
      'enable-fallback',
    ]);
    expect(result.postmortem).toContain('Engine fixture service');
  });

  it('makes no call once it has said how it ended, and returns the postmortem its file holds', async () => {
    // Seven failed writes: the activity's retries skip ≈ 4 minutes, more than a poll's interval, and
    // the provider fails again meanwhile: a poll while the file is written would have something to record.
    const run = await start({ health: outageFor(30 * MIN), postmortemFailsFirst: 7, relapseWhileClosing: true });
    const { result, queried } = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, run.handle, pending('enable-fallback'), 'enable-fallback asked');
      await run.handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      const ended = await run.handle.result();
      return { result: ended, queried: await run.handle.query(postmortemQuery) };
    });

    const written = run.events.filter((e) => e.type === 'postmortem');
    expect(written).toHaveLength(1);
    const closing = result.timeline.findIndex((e) => e.kind === 'state' && e.message.startsWith('resolved'));
    const closedAt = Date.parse(result.timeline[closing]!.at);
    const startedAt = Date.parse(result.timeline[0]!.at);
    const probes = run.events.filter((e) => e.type === 'probe');
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((e) => startedAt + e.elapsedMs >= closedAt)).toEqual([]);
    expect(result.timeline.slice(closing).filter((e) => e.kind === 'probe')).toEqual([]);
    // The write's retries kept the incident open minutes past its close: polls had time to go out.
    const { closeTime } = await run.handle.describe();
    expect(closeTime!.getTime() - closedAt).toBeGreaterThan(3 * MIN);
    expect(result.postmortem).toBe(written[0]!.type === 'postmortem' && written[0]!.markdown);
    expect(queried).toBe(result.postmortem);
  });

  it('hands the incident to a human when the outage outlasts the plan, keeping the fallback on; the human resolves it and the fallback comes off', async () => {
    // Reminders every 25 min, not the default 30: the fourth 30-min reminder falls due within a
    // millisecond of the 2-h hand-over, and the time-skipping server strands the run whose hand-over
    // task cancels a reminder that fired while the task was out (see docs/testing.md).
    const run = await start(
      { health: () => false },
      { timings: { pollInitialMs: MIN, pollMaxMs: 3 * MIN, updateEveryMs: { P1: 25 * MIN } } },
    );
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, run.handle, pending('enable-fallback'), 'enable-fallback asked');
      // Settled first, so the approval cannot race a poll's timer firing at real pace.
      await skip(ctx.env, run.handle, 0);
      await run.handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      const owned = await advanceUntil(ctx.env, run.handle, (s) => s.state === 'needs_human', 'needs_human', 10 * MIN);
      expect(owned.handedOver?.reason).toContain('Still failing after 2 h with the fallback on');
      expect(owned.mutations.find((m) => m.step === 'enable-fallback')!.revertedAt).toBeUndefined();
      expect(run.events.filter((e) => e.type === 'revert')).toEqual([]);
      await run.handle.signal(resolveSignal, { by: 'bob', reason: 'fixed upstream by hand' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'outage' });
    const handedAt = result.timeline.find((e) => e.kind === 'state' && e.message.startsWith('needs_human'))!;
    expect(Date.parse(handedAt.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(2 * HOUR);
    expect(result.timeline.filter((e) => e.kind === 'escalation').map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('the fix did not take and a human owns the incident now')]),
    );
    expect(result.mutations.find((m) => m.step === 'enable-fallback')!.revertedAt).toBeDefined();
    expect(result.postmortem).toContain('Resolved manually by bob: fixed upstream by hand');
  });

  it('waits out throttling without asking anyone or changing anything', async () => {
    const run = await start({ fault: 429, health: outageFor(20 * MIN) });
    const result = await run.during(() => run.handle.result());

    expect(result).toMatchObject({ state: 'resolved', cause: 'throttled', severity: 'P3' });
    expect(result.timeline.filter((e) => e.kind === 'approval_requested')).toEqual([]);
    expect(result.mutations).toEqual([]);
    expect(run.events.filter((e) => e.type === 'apply' || e.type === 'revert')).toEqual([]);
    const resolvedAt = result.timeline.find((e) => e.kind === 'state' && e.message.startsWith('resolved'))!;
    expect(Date.parse(resolvedAt.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(20 * MIN);
  });

  it('records an outage seen once and gone in the re-checks as transient, and changes nothing', async () => {
    const run = await start({ health: () => true, faultyProbeCalls: 2 });
    const result = await run.during(() => run.handle.result());

    expect(result).toMatchObject({ state: 'closed', cause: 'healthy' });
    expect(result.decision!.transient).toContain('outage');
    expect(notes(result).some((n) => n.startsWith('Not sustained as outage'))).toBe(true);
    expect(result.timeline.filter((e) => e.kind === 'approval_requested')).toEqual([]);
    expect(result.mutations).toEqual([]);
  });

  it('re-triages when throttling turns into an outage: the decision follows the real calls and the outage plan asks before changing anything', async () => {
    const run = await start({
      fault: ({ elapsedMs }) => (elapsedMs < 10 * MIN ? 429 : 503),
      health: outageFor(90 * MIN),
    });
    const result = await approveAndFinish(run, 'enable-fallback', MIN);

    expect(result).toMatchObject({ state: 'resolved', cause: 'outage', severity: 'P1' });
    expect(result.causes.map((c) => c.cause)).toEqual(['throttled', 'outage']);
    const retriage = result.timeline.find((e) => e.kind === 'decision' && e.message.startsWith('re-triage'))!;
    expect(retriage.message).toContain('P3 throttled → P1 outage');
    expect(Date.parse(retriage.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(10 * MIN);
    expect(result.mutations.find((m) => m.step === 'enable-fallback')!.revertedAt).toBeDefined();
  });
});
