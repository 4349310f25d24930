import { describe, expect, it } from 'vitest';
import { actUpdate, approveSignal, provideSecretRefSignal, type IncidentResult } from '../../src/contract/index.ts';
import { exportHistories, maybeRecordHistory } from '../e2e/support/histories.ts';
import {
  advanceUntil,
  MIN,
  startUnit,
  timeSkippingPerTest,
  unitInput,
  unitServiceWith,
  type UnitRun,
} from './support/time-skipping.ts';

/**
 * A time-skipping server per test, and a second try on a fresh one: these tests skip hours, and a
 * workflow the test server strands stays in its try.
 */
const ctx = timeSkippingPerTest();

/** Approvals time out to approved after 5 min: the plan's own steps go ahead without a human in these tests. */
const autoApproving = { policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' as const } };

const statusesSent = (result: IncidentResult) =>
  result.timeline.filter((e) => e.kind === 'notification').map((e) => (e.data as { status: string }).status);
const statesOf = (result: IncidentResult) =>
  result.timeline.filter((e) => e.kind === 'state').map((e) => e.message.split(':')[0]);

async function handOverNewKey(run: UnitRun): Promise<void> {
  await advanceUntil(
    ctx.env,
    run.handle,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference'),
    'the new-key-reference request',
    5_000,
  );
  await run.handle.signal(provideSecretRefSignal, {
    by: 'bob',
    stepId: 'new-key-reference',
    ref: { kind: 'env', name: 'NEW_KEY' },
  });
}

/** RECORD_HISTORIES=1 stores the run for the replay test. */
const record = async (name: string, run: UnitRun) => {
  if (process.env.RECORD_HISTORIES === '1')
    await maybeRecordHistory(name, (await exportHistories(ctx.env.client, run.handle))[0]!);
};

describe('when the fix does not take (time-skipping, mocked activities)', { timeout: 120_000, retry: 1 }, () => {
  it('gives a rotated key its propagation grace: a key accepted three minutes late resolves the incident, never rolled back', async () => {
    // The key is applied about 5.5 min in (the approval times out to approved); the provider accepts it at 8 min.
    const run = await startUnit(ctx, unitInput(autoApproving), {
      fault: 401,
      health: ({ elapsedMs }) => elapsedMs >= 8 * MIN,
    });
    const result = await run.during(async () => {
      await handOverNewKey(run);
      const done = await run.handle.result();
      await record('auth-key-grace', run);
      return done;
    });
    expect(result).toMatchObject({ state: 'resolved', cause: 'auth_failure' });
    expect(statesOf(result)).not.toContain('needs_human');
    const key = result.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(key.revertedAt).toBeUndefined();
    expect(key.purpose).toBe('fix');
    expect(run.events.filter((e) => e.type === 'revert' && e.step === 'apply-new-key')).toEqual([]);
    expect(result.timeline.some((e) => e.message.startsWith('Giving the change 5 min to take'))).toBe(true);
    expect(statusesSent(result).at(-1)).toBe('RESOLVED');
  });

  it('hands a key that never works to a human: open in needs_human, the new key in place, ESCALATED; only the table’s choices count; cancel keeps the key and says so', async () => {
    const run = await startUnit(ctx, unitInput(autoApproving), { fault: 401, health: () => false });
    const result = await run.during(async () => {
      await handOverNewKey(run);
      const owned = await advanceUntil(ctx.env, run.handle, (s) => s.state === 'needs_human', 'needs_human', 30_000);
      expect(owned.communicationStatus).toBe('ESCALATED');
      expect(owned.handedOver?.reason).toContain('generation still fails with the new key (env:NEW_KEY)');
      expect(owned.mutations.find((m) => m.step === 'apply-new-key')?.revertedAt).toBeUndefined();
      // Refusals by the action table are checked against a real server in test/cli/hand-over.test.ts.
      // Verify again: the plan judges the key again (with its grace) and, still failing, hands it back.
      expect(
        await run.handle.executeUpdate(actUpdate, { args: [{ action: 'verify_again', by: 'carol' }] }),
      ).toMatchObject({ accepted: true });
      await advanceUntil(ctx.env, run.handle, (s) => s.state !== 'needs_human', 'the plan resumed', 1_000);
      await advanceUntil(ctx.env, run.handle, (s) => s.state === 'needs_human', 'needs_human again', 30_000);
      expect(
        await run.handle.executeUpdate(actUpdate, {
          args: [{ action: 'cancel', by: 'carol', reason: 'moving to the vendor ticket' }],
        }),
      ).toMatchObject({ accepted: true });
      const done = await run.handle.result();
      await record('auth-needs-human-cancelled', run);
      return done;
    });
    expect(result.state).toBe('cancelled');
    const key = result.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(key.revertedAt).toBeUndefined();
    expect(run.events.filter((e) => e.type === 'revert' && e.step === 'apply-new-key')).toEqual([]);
    expect(result.postmortem).toContain('Still in place: secret/image-secrets key api-key');
    const statuses = statusesSent(result);
    expect(statuses).toContain('ESCALATED');
    expect(statuses.at(-1)).toBe('CANCELLED');
    expect(statuses).not.toContain('RESOLVED');
    expect(statesOf(result).filter((s) => s === 'needs_human')).toHaveLength(2);
  });

  it('marks fallback protective, refuses a chosen revert while the engine still holds the plan, and turns fallback off only after recovery', async () => {
    const run = await startUnit(
      ctx,
      unitInput({ ...autoApproving, service: unitServiceWith({ autoApproveP1Fallback: true }) }),
      { health: ({ elapsedMs }) => elapsedMs >= 3 * 60 * MIN },
    );
    const result = await run.during(async () => {
      await advanceUntil(ctx.env, run.handle, (s) => s.state === 'monitoring', 'monitoring with fallback on', 5_000);
      return run.handle.result();
    });
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(fallback.purpose).toBe('protective');
    expect(Date.parse(fallback.revertedAt!)).toBeGreaterThanOrEqual(Date.parse(result.timeline[0]!.at) + 3 * 60 * MIN);
  });

  it('an approval outlives no evidence: turning fallback off is superseded by a relapse before anyone decides, and asked again after real recovery', async () => {
    const MIN60 = 60 * MIN;
    // Down, healthy from 1 h (fallback-off is asked), down again from 1.5 h, healthy for good from 3 h.
    const health = ({ elapsedMs }: { elapsedMs: number }) =>
      (elapsedMs >= MIN60 && elapsedMs < 1.5 * MIN60) || elapsedMs >= 3 * MIN60;
    const run = await startUnit(ctx, unitInput({ service: unitServiceWith({ autoApproveP1Fallback: true }) }), {
      health,
    });
    const result = await run.during(async () => {
      const asked = await advanceUntil(
        ctx.env,
        run.handle,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'disable-fallback'),
        'disable-fallback asked',
        60_000,
      );
      expect(asked.pendingApprovals[0]!.description).toMatch(
        /evidence: 3 consecutive real calls succeeded, the last at \d\d:\d\d:\d\d UTC/,
      );
      // Nobody decides; the provider relapses; the request is superseded and a new one comes only after real recovery.
      await advanceUntil(
        ctx.env,
        run.handle,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'disable-fallback-r2'),
        'disable-fallback asked again',
        5 * 60_000,
      );
      // A late approval of the superseded step counts for nothing; the new one turns fallback off.
      await run.handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'carol' });
      await run.handle.signal(approveSignal, { stepId: 'disable-fallback-r2', by: 'carol' });
      return run.handle.result();
    });
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(
      result.timeline.some((e) =>
        e.message.startsWith('disable-fallback superseded: the evidence it was asked on no longer holds'),
      ),
    ).toBe(true);
    expect(
      result.timeline.some(
        (e) => e.message.startsWith('Ignored approval from carol: ') && e.message.includes('superseded'),
      ),
    ).toBe(true);
    const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(Date.parse(fallback.revertedAt!) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(3 * MIN60);
  });

  it.each([
    ['cancel', 'cancelled', 'CANCELLED'],
    ['resolve', 'resolved', 'RESOLVED'],
  ] as const)(
    'a human’s %s on a blocked incident (the worker cannot read its key) ends it %s, never failed',
    async (action, state, status) => {
      const run = await startUnit(ctx, unitInput(), { keyUnreadable: () => true });
      const result = await run.during(async () => {
        await advanceUntil(ctx.env, run.handle, (s) => s.state === 'blocked', 'blocked', 5_000);
        await run.handle.executeUpdate(actUpdate, {
          args: [{ action, by: 'carol', reason: 'the key was fixed by hand' }],
        });
        const done = await run.handle.result();
        if (action === 'cancel') await record('blocked-cancelled', run);
        return done;
      });
      expect(result.state).toBe(state);
      expect(result.timeline.map((e) => e.message).join('\n')).not.toMatch(/remediation failed|no plan for cause/);
      expect(statusesSent(result).at(-1)).toBe(status);
    },
  );

  it('records a certain fault gone before any change as what it was: 402 in triage, healthy re-checks → closed as credits_exhausted with its action items', async () => {
    const run = await startUnit(ctx, unitInput(), { fault: 402, faultyProbeCalls: 5, health: () => true });
    const result = await run.during(async () => {
      const done = await run.handle.result();
      await record('credits-cleared-before-change', run);
      return done;
    });
    expect(result).toMatchObject({ state: 'closed', cause: 'credits_exhausted', mutations: [] });
    expect(result.postmortem).toContain('cleared before any change was made');
    expect(result.postmortem).toContain('Raise the auto top-up amount');
    expect(result.postmortem).not.toContain('every probe passed');
    expect(statusesSent(result).at(-1)).toBe('CLOSED');
  });

  it('records an uncertain blip as a transient fault with what was seen, never "every probe passed"', async () => {
    const run = await startUnit(ctx, unitInput(), { fault: 503, faultyProbeCalls: 5, health: () => true });
    const result = await run.during(() => run.handle.result());
    expect(result).toMatchObject({ state: 'closed', cause: 'healthy' });
    expect(result.postmortem).toContain('Transient fault: triage saw provider_outage');
    expect(result.postmortem).not.toContain('every probe passed');
  });
});
