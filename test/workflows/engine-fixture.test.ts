/**
 * The engine's judgement on a runbook of its own (test/fixtures/runbooks/engine-fixture.yaml), not
 * on a real provider's: triage by the decision table, confirmation, approval before any change,
 * recovery judged by real calls, a transient fault.
 */
import { describe, expect, it } from 'vitest';
import {
  acknowledgeSignal,
  approveSignal,
  postmortemQuery,
  type IncidentResult,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import { fixtureInput, fixtureRunbook } from './support/fixture-runbook.ts';
import { advanceUntil, MIN, outageFor, startUnit, timeSkippingPerTest, type UnitRun } from './support/time-skipping.ts';
import type { MockActivityOptions } from './support/mock-activities.ts';

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

  it('the postmortem it returns is the one its file holds, though monitoring went on while the file was written', async () => {
    // Seven failed writes: the activity's retries skip ≈ 4 minutes, more than a poll's interval, and
    // the provider fails again meanwhile, so the polls have something to record.
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
    const closedAt = Date.parse(
      result.timeline.find((e) => e.kind === 'state' && e.message.startsWith('resolved'))!.at,
    );
    const startedAt = Date.parse(result.timeline[0]!.at);
    const polledSinceClose = run.events.filter((e) => e.type === 'probe' && startedAt + e.elapsedMs > closedAt);
    expect(polledSinceClose.length).toBeGreaterThan(0);
    expect(result.postmortem).toBe(written[0]!.type === 'postmortem' && written[0]!.markdown);
    expect(queried).toBe(result.postmortem);
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
});
