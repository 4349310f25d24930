import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acknowledgeSignal } from '../../src/contract/index.ts';
import { exportHistories, maybeRecordHistory } from '../e2e/support/histories.ts';
import type { ActivityEvent } from './support/mock-activities.ts';
import { HOUR, MIN, startTimeSkipping, startUnit, unitInput, unitServiceWith } from './support/time-skipping.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/** Nobody at the keyboard: P1 fallback by policy, every other step auto-approved after 10 minutes. */
const unattended = {
  policy: { timeoutMs: 10 * MIN, onTimeout: 'auto-approve' as const },
  service: unitServiceWith({ autoApproveP1Fallback: true }),
};
const applied = (events: ActivityEvent[], prefix: string) =>
  events.filter((e) => e.type === 'apply' && e.step.startsWith(prefix));
const reverts = (events: ActivityEvent[]) => events.filter((e) => e.type === 'revert');

async function runToEnd(
  input: Parameters<typeof unitInput>[0],
  mock: Parameters<typeof startUnit>[2],
  record?: string,
) {
  const run = await startUnit(ctx, unitInput(input), mock);
  const result = await run.during(async () => {
    await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
    return run.handle.result();
  });
  if (record) await maybeRecordHistory(record, (await exportHistories(ctx.env.client, run.handle))[0]!);
  return { run, result };
}

describe('judgement under messy outages (time-skipping, mocked activities)', () => {
  it('a status page that stays green while the API fails never turns fallback off: one flip on, one off, after real recovery', async () => {
    const { run, result } = await runToEnd(unattended, {
      health: ({ elapsedMs }) => elapsedMs >= 3 * HOUR,
      statusPage: () => 'none',
    });
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(applied(run.events, 'enable-fallback')).toHaveLength(1);
    expect(reverts(run.events)).toHaveLength(1);
    expect(reverts(run.events)[0]!.elapsedMs).toBeGreaterThanOrEqual(3 * HOUR);
    expect(result.decision!.confidence).toBe('medium');
    expect(result.mutations.every((m) => m.revertedAt || m.op.kind === 'rollout-restart')).toBe(true);
  });

  it('a status page that lags the recovery by 5 hours holds fallback back by no more than the real-check interval', async () => {
    const { run, result } = await runToEnd(unattended, {
      health: ({ elapsedMs }) => elapsedMs >= HOUR,
      statusPage: ({ elapsedMs }) => (elapsedMs >= 6 * HOUR ? 'none' : 'major'),
    });
    expect(result.state).toBe('resolved');
    const off = reverts(run.events)[0]!;
    // Real-check interval (10 min) + one backed-off poll (5 min) + 3-check streak + 10-min approval timeout.
    expect(off.elapsedMs).toBeLessThan(HOUR + 27 * MIN);
    expect(result.timeline.some((e) => e.message.startsWith('real check') && e.message.includes('healthy 3/3'))).toBe(
      true,
    );
  });

  it('hysteresis: one bad answer after fallback-off changes nothing; a genuine relapse turns fallback on again exactly once', async () => {
    const holder: { events: ActivityEvent[] } = { events: [] };
    // Calls after the first fallback-off, three per poll (status hint, legacy, v3): the legacy call
    // of the first poll fails alone (a single bad answer), the second poll is fine, then everything
    // fails for eight polls (a genuine relapse), then the provider is healthy for good.
    let afterOff = 0;
    let blips = 0;
    const health = ({ elapsedMs }: { elapsedMs: number }) => {
      if (reverts(holder.events).length !== 1) return elapsedMs >= HOUR;
      afterOff += 1;
      if (afterOff === 2) {
        blips += 1;
        return false;
      }
      return afterOff <= 6 || afterOff > 30;
    };
    const run = await startUnit(ctx, unitInput(unattended), { health });
    holder.events = run.events;
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      return run.handle.result();
    });
    expect(result.state).toBe('resolved');
    expect(blips).toBe(1);
    // One genuine relapse: fallback on twice, off twice; never flipped by the single bad answer.
    expect(applied(run.events, 'enable-fallback').map((e) => e.type === 'apply' && e.step)).toEqual([
      'enable-fallback',
      'enable-fallback-2',
    ]);
    expect(reverts(run.events).map((e) => e.type === 'revert' && e.step)).toEqual([
      'enable-fallback',
      'enable-fallback-2',
    ]);
    expect(
      result.timeline.filter((e) => e.kind === 'escalation' && e.message.startsWith('genuine relapse 1')),
    ).toHaveLength(1);
    expect(result.timeline.some((e) => e.message.startsWith('Relapse confirmed: 2 consecutive real checks fail'))).toBe(
      true,
    );
  });

  it('re-triage: 429s that turn into a 500 outage move to the outage plan, raise severity, and settle the concurrency change', async () => {
    const { run, result } = await runToEnd(
      unattended,
      {
        fault: ({ elapsedMs }) => (elapsedMs < 20 * MIN ? 429 : 500),
        health: ({ elapsedMs }) => elapsedMs >= 2 * HOUR,
      },
      'retriage-rate-limited-to-outage',
    );
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', severity: 'P1' });
    expect(result.causes.map((c) => [c.cause, c.severity])).toEqual([
      ['rate_limited', 'P2'],
      ['provider_outage', 'P1'],
    ]);
    const retriage = result.timeline.find((e) => e.kind === 'decision' && e.message.startsWith('re-triage'))!;
    expect(retriage.message).toMatch(
      /^re-triage: P2 rate_limited → P1 provider_outage: 2 consecutive real checks show provider_outage/,
    );
    expect(
      result.timeline.some(
        (e) => e.kind === 'escalation' && e.message.includes('changed nature: rate_limited → provider_outage'),
      ),
    ).toBe(true);
    // Nothing applied is forgotten: the concurrency cut was settled through an approval and reverted.
    expect(result.approvals.map((a) => a.stepId)).toContain('restore-reduce-concurrency');
    for (const m of result.mutations.filter((m) => m.op.kind !== 'rollout-restart'))
      expect(m.revertedAt, m.step).toBeDefined();
    expect(applied(run.events, 'reduce-concurrency')).toHaveLength(1);
    expect(result.postmortem).toContain('### Causes (re-triage)');
    expect(result.postmortem).toMatch(/Cause changed \(re-triage: P2 rate_limited → P1 provider_outage/);
  });

  it('probes that cannot run block triage with the reason, escalate, and triage again once the key is readable', async () => {
    const { result } = await runToEnd(
      unattended,
      {
        keyUnreadable: ({ elapsedMs }) => elapsedMs < 20 * MIN,
        health: ({ elapsedMs }) => elapsedMs >= 2 * HOUR,
      },
      'blocked-then-outage',
    );
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(
      result.timeline.some(
        (e) =>
          e.kind === 'state' &&
          e.message.startsWith('blocked: cannot triage: the worker cannot read env:UNIT_TEST_KEY'),
      ),
    ).toBe(true);
    const escalation = result.timeline.find((e) => e.kind === 'escalation')!;
    expect(escalation.message).toMatch(
      /^cannot triage: the worker cannot read env:UNIT_TEST_KEY.*No cause is guessed.*runbook provide-secret .* probe-credentials/,
    );
    // No decision while blocked: the first decision comes after the key became readable.
    const decision = result.timeline.find((e) => e.kind === 'decision')!;
    expect(Date.parse(decision.at) - Date.parse(result.timeline[0]!.at)).toBeGreaterThanOrEqual(20 * MIN);
    expect(result.causes).toHaveLength(1);
    expect(result.timeline.some((e) => e.message.startsWith('Unblocked'))).toBe(true);
  });

  it('says only what is true: with fallback rejected, stakeholders never hear MITIGATED', async () => {
    const { run, result } = await runToEnd(
      { policy: { timeoutMs: 10 * MIN, onTimeout: 'reject' } },
      { health: ({ elapsedMs }) => elapsedMs >= HOUR },
    );
    expect(result.state).toBe('resolved');
    expect(result.mutations).toEqual([]);
    const statuses = run.events.filter((e) => e.type === 'notify').map((e) => (e.type === 'notify' ? e.status : ''));
    expect(statuses).not.toContain('MITIGATED');
    expect(statuses.at(-1)).toBe('RESOLVED');
  });

  it('a postmortem that cannot be written is recorded on the timeline; the incident still resolves', async () => {
    const { result } = await runToEnd(unattended, {
      health: ({ elapsedMs }) => elapsedMs >= HOUR,
      postmortemFails: true,
    });
    expect(result.state).toBe('resolved');
    expect(result.postmortemPath).toBeNull();
    expect(result.timeline.at(-1)!.message).toMatch(
      /^The postmortem file could not be written after retries \(.*EISDIR.*\); its text is in the incident result/,
    );
    expect(result.timeline.some((e) => e.kind === 'escalation' && e.message.includes('remediation failed'))).toBe(
      false,
    );
  });
});
