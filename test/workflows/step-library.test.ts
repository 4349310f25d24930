/**
 * Steps of the document step library on a runbook of the engine's own
 * (test/fixtures/runbooks/step-library.yaml): what each does in a running incident.
 */
import { describe, expect, it } from 'vitest';
import {
  acknowledgeSignal,
  approveSignal,
  provideSecretRefSignal,
  statusQuery,
  type IncidentResult,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import { fixtureInput, pinFixtureRunbook } from './support/fixture-runbook.ts';
import { advanceUntil, MIN, outageFor, startUnit, timeSkippingPerTest, type UnitRun } from './support/time-skipping.ts';
import { skip } from './support/skip.ts';
import type { MockActivityOptions } from './support/mock-activities.ts';

const stepLibrary = pinFixtureRunbook('step-library');

const ctx = timeSkippingPerTest();

type Overrides = Parameters<typeof fixtureInput>[0];

function start(mock: MockActivityOptions, settings: Record<string, unknown> = {}, overrides: Overrides = {}) {
  const input = fixtureInput(overrides, stepLibrary);
  return startUnit(
    ctx,
    { ...input, service: { ...input.service, settings } },
    { deploymentEnv: { STEPS_CONCURRENCY: '8' }, ...mock, runbookDocument: stepLibrary },
  );
}

const pending = (step: string) => (s: IncidentStatus) => s.pendingApprovals.some((a) => a.stepId === step);
const notes = (result: IncidentResult) => result.timeline.filter((e) => e.kind === 'note').map((e) => e.message);
const applied = (run: UnitRun) => run.events.flatMap((e) => (e.type === 'apply' ? [e.step] : []));

/** Acknowledges, approves each step once it is asked (skipping a minute between looks), and returns the result. */
function approving(run: UnitRun, ...steps: string[]): Promise<IncidentResult> {
  return run.during(async () => {
    await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
    for (const step of steps) {
      await advanceUntil(ctx.env, run.handle, pending(step), `${step} asked`, MIN);
      await run.handle.signal(approveSignal, { stepId: step, by: 'bob' });
    }
    return run.handle.result();
  });
}

describe('the step library on a running incident (time-skipping, mocked activities)', { retry: 1 }, () => {
  it('notes a variable before changing it, records the change as protective, and hands over after a window read from a setting', async () => {
    const run = await start(
      { fault: 429, health: outageFor(40 * MIN) },
      { limitWindowMs: 15 * MIN },
      { policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' } },
    );
    const result = await approving(run);

    expect(result).toMatchObject({ state: 'resolved', cause: 'throttled' });
    expect(notes(result)).toContain('Current STEPS_CONCURRENCY: api=8');
    const escalations = result.timeline.filter((e) => e.kind === 'escalation');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.message).toContain('throttling persists at STEPS_CONCURRENCY=3: ask for a higher limit');
    expect(Date.parse(escalations[0]!.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(15 * MIN);
    const reduce = result.mutations.find((m) => m.step === 'reduce-concurrency')!;
    expect(reduce).toMatchObject({ change: 'STEPS_CONCURRENCY=3', purpose: 'protective' });
    expect(reduce.revertedAt).toBeDefined();
  });

  it('starts the plan over when a real call fails before anyone restores the change, and restores only once asked again', async () => {
    // Down, recovered long enough to be asked to restore, down again before anyone answers, then up for good.
    const health = ({ elapsedMs }: { elapsedMs: number }) =>
      (elapsedMs >= 20 * MIN && elapsedMs < 60 * MIN) || elapsedMs >= 80 * MIN;
    const run = await start({ fault: 429, health }, { limitWindowMs: 24 * 60 * MIN });
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, run.handle, pending('reduce-concurrency'), 'reduce asked', MIN);
      await run.handle.signal(approveSignal, { stepId: 'reduce-concurrency', by: 'bob' });
      await advanceUntil(ctx.env, run.handle, pending('restore-concurrency'), 'restore asked', MIN);
      await advanceUntil(ctx.env, run.handle, pending('restore-concurrency-r2'), 'restore asked again', MIN);
      await run.handle.signal(approveSignal, { stepId: 'restore-concurrency-r2', by: 'bob' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'throttled' });
    expect(notes(result).filter((n) => n.startsWith('restore-concurrency superseded'))).toHaveLength(1);
    // The plan ran again from its first step: the variable was noted twice, the change made once.
    expect(notes(result).filter((n) => n === 'Current STEPS_CONCURRENCY: api=8')).toHaveLength(2);
    expect(applied(run)).toEqual(['reduce-concurrency']);
    const reverts = run.events.filter((e) => e.type === 'revert');
    expect(reverts).toHaveLength(1);
    expect(reverts[0]!.elapsedMs).toBeGreaterThanOrEqual(80 * MIN);
  });

  it('approves by policy only for the severities the step names', async () => {
    const p1 = await start({ fault: 503, health: outageFor(30 * MIN) }, { autoFallback: true });
    const outage = await p1.during(() => p1.handle.result());
    expect(outage).toMatchObject({ state: 'resolved', cause: 'outage', severity: 'P1' });
    expect(outage.timeline.map((e) => e.message)).toContain(
      'enable-fallback approved by policy: P1 outage: the policy enables fallback without waiting for a human',
    );
    expect(outage.mutations.find((m) => m.step === 'enable-fallback')).toMatchObject({ purpose: 'protective' });

    const p2 = await start({ fault: 500, health: outageFor(30 * MIN) }, { autoFallback: true });
    await p2.during(async () => {
      const status = await advanceUntil(ctx.env, p2.handle, pending('enable-fallback'), 'fallback asked', MIN);
      expect(status).toMatchObject({ cause: 'partial_outage', severity: 'P2' });
      await ctx.env.sleep(10 * MIN);
      const later = await p2.handle.query(statusQuery);
      expect(later.pendingApprovals.map((a) => a.stepId)).toContain('enable-fallback');
      expect(applied(p2)).toEqual([]);
    });
  });

  it('applies nothing when real calls already succeed again by the time the change is approved', async () => {
    const run = await start({ fault: 503, health: outageFor(10 * MIN) });
    const recovered = () => {
      const real = run.events.filter((e) => e.type === 'probe' && e.probe === 'work');
      return real.length >= 3 && real.slice(-3).every((e) => e.type === 'probe' && e.healthy);
    };
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, run.handle, pending('enable-fallback'), 'fallback asked', MIN);
      for (let i = 0; i < 200 && !recovered(); i += 1) await skip(ctx.env, run.handle, MIN);
      expect(recovered()).toBe(true);
      await run.handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'outage' });
    expect(notes(result)).toContain('Real calls already succeed again: fallback not applied.');
    expect(applied(run)).toEqual([]);
    expect(result.mutations).toEqual([]);
  });

  it('asks again for a confirmed fix that real calls do not bear out, escalating each time, until they do', async () => {
    const run = await start({ fault: 402, health: outageFor(60 * MIN) }, { topUpMs: 2 * MIN });
    const result = await approving(run, 'pause-batch-jobs', 'confirm-top-up');

    expect(result).toMatchObject({ state: 'resolved', cause: 'no_credit' });
    const escalations = result.timeline.filter((e) => e.kind === 'escalation').map((e) => e.message);
    expect(escalations.some((m) => m.includes('calls still answer 402 120000 ms after the confirmed top-up'))).toBe(
      true,
    );
    const confirmations = result.approvals.filter((a) => a.stepId.startsWith('confirm-top-up'));
    expect(confirmations[0]).toMatchObject({ stepId: 'confirm-top-up', by: 'bob' });
    expect(confirmations.at(-1)).toMatchObject({ by: 'evidence' });
    expect(confirmations.at(-1)!.stepId).toMatch(/^confirm-top-up-\d+$/);
    const pause = result.mutations.find((m) => m.step === 'pause-batch-jobs')!;
    expect(pause).toMatchObject({ purpose: 'protective' });
    expect(pause.revertedAt).toBeDefined();
  });

  it('rotates to each new key a human hands over, supersedes the earlier one, and never rolls back to it', async () => {
    let healthy = false;
    const run = await start({ fault: 401, health: () => healthy }, { keyPropagationMs: 2 * MIN });
    const provide = (name: string) =>
      run.handle.signal(provideSecretRefSignal, { by: 'bob', stepId: 'new-key-reference', ref: { kind: 'env', name } });
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      await advanceUntil(ctx.env, run.handle, pending('new-key-reference'), 'a key asked for', MIN);
      await provide('NEW_KEY_1');
      await advanceUntil(ctx.env, run.handle, pending('apply-new-key'), 'first rotation asked', MIN);
      await run.handle.signal(approveSignal, { stepId: 'apply-new-key', by: 'bob' });
      // The first key does not work within its grace: a human owns the incident and hands over another.
      await advanceUntil(ctx.env, run.handle, (s) => s.state === 'needs_human', 'handed over', MIN);
      await provide('NEW_KEY_2');
      await advanceUntil(ctx.env, run.handle, pending('apply-new-key-2'), 'second rotation asked', MIN);
      healthy = true;
      await run.handle.signal(approveSignal, { stepId: 'apply-new-key-2', by: 'bob' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'key_rejected' });
    // The current key is looked at before the first rotation only.
    expect(notes(result).filter((n) => /^Key present: YES; key length: 32 \(/.test(n))).toHaveLength(1);
    const escalations = result.timeline.filter((e) => e.kind === 'escalation').map((e) => e.message);
    expect(escalations.some((m) => m.includes('calls still fail with env:NEW_KEY_1'))).toBe(true);
    expect(applied(run)).toEqual(['apply-new-key', 'restart-after-key', 'apply-new-key-2', 'restart-after-key-2']);
    expect(run.events.filter((e) => e.type === 'revert')).toEqual([]);
    const first = result.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(first).toMatchObject({ purpose: 'fix' });
    expect(first.keptBecause).toMatch(/^superseded by apply-new-key-2 \(env:NEW_KEY_2\)/);
    expect(result.mutations.find((m) => m.step === 'apply-new-key-2')).toMatchObject({
      purpose: 'fix',
      keptBecause: 'the rotated key is the fix',
    });
  });
  it('holds a protective change through relapses: back on by itself up to maxAutoRelapses, then only with approval', async () => {
    let seen: UnitRun['events'] = [];
    // Fails for 20 minutes, then for 15 minutes after each of the first two times the fallback comes off.
    const health = ({ elapsedMs }: { elapsedMs: number }) => {
      if (elapsedMs < 20 * MIN) return false;
      const offs = seen.filter((e) => e.type === 'revert');
      const last = offs.at(-1);
      return !(last && offs.length <= 2 && elapsedMs - last.elapsedMs < 15 * MIN);
    };
    const run = await start(
      { fault: 502, health },
      {},
      {
        policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' },
        timings: { pollInitialMs: MIN, pollMaxMs: 3 * MIN, maxAutoRelapses: 1 },
      },
    );
    seen = run.events;
    const result = await approving(run);

    expect(result).toMatchObject({ state: 'resolved', cause: 'flapping' });
    expect(applied(run)).toEqual([
      'hold-fallback',
      'restart-for-fallback',
      'restart-after-fallback-1',
      'hold-fallback-2',
      'restart-for-fallback-2',
      'restart-after-fallback-2',
      'hold-fallback-3',
      'restart-for-fallback-3',
      'restart-after-fallback-3',
    ]);
    expect(run.events.flatMap((e) => (e.type === 'revert' ? [e.step] : []))).toEqual([
      'hold-fallback',
      'hold-fallback-2',
      'hold-fallback-3',
    ]);
    const escalations = result.timeline.filter((e) => e.kind === 'escalation').map((e) => e.message);
    expect(escalations).toContain('genuine relapse 1: fallback back on');
    expect(escalations).toContain('genuine relapse 2: past 1, a human decides');
    // The first relapse is covered by the first approval; past the limit a human (here the timeout policy) decides.
    const approved = result.approvals.map((a) => a.stepId);
    expect(approved).not.toContain('hold-fallback-2');
    expect(result.approvals.find((a) => a.stepId === 'hold-fallback-3')).toMatchObject({ by: 'policy:timeout' });
    expect(result.mutations.find((m) => m.step === 'hold-fallback-2')).toMatchObject({ purpose: 'protective' });
  });
});
