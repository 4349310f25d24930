import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acknowledgeSignal } from '../../src/contract/index.ts';
import { HOUR, MIN, startTimeSkipping, startUnit, unitInput, unitServiceWith } from './support/time-skipping.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

/** P1 fallback goes on by policy; turning it off is auto-approved after 10 quiet minutes. */
const unattended = {
  policy: { timeoutMs: 10 * MIN, onTimeout: 'auto-approve' as const },
  service: unitServiceWith({ autoApproveP1Fallback: true }),
};

describe('provider outage on the time-skipping server (mocked activities)', () => {
  it('survives a 12-hour outage: continue-as-new keeps every run bounded, fallback off only after 3 healthy checks', async () => {
    const run = await startUnit(
      ctx,
      unitInput({
        ...unattended,
        timings: {
          pollInitialMs: 30_000,
          pollMaxMs: 5 * MIN,
          pollBackoff: 1.5,
          healthyChecksRequired: 3,
          pollsPerRun: 20,
        },
      }),
      { health: ({ elapsedMs }) => elapsedMs >= 12 * HOUR },
    );
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', severity: 'P1' });
    const durationMs = Date.parse(result.timeline.at(-1)!.at) - Date.parse(result.timeline[0]!.at);
    expect(durationMs).toBeGreaterThanOrEqual(12 * HOUR);

    // Every run of the chain: bounded history, and the chain really continued as new.
    const runSizes: number[] = [];
    let runId: string | undefined = run.handle.firstExecutionRunId;
    while (runId) {
      const history: {
        events?: Array<{
          workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null;
        }> | null;
      } = await ctx.env.client.workflow.getHandle(run.handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      runSizes.push(events.length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    expect(runSizes.length).toBeGreaterThanOrEqual(5);
    for (const size of runSizes) expect(size).toBeLessThan(1_000);
    expect(result.timeline.filter((e) => e.message.startsWith('History kept bounded')).length).toBe(
      runSizes.length - 1,
    );

    // Each mutation applied exactly once across all runs; fallback reverted.
    const applies = run.events.filter((e) => e.type === 'apply').map((e) => e.step);
    expect(applies).toEqual(['enable-fallback', 'restart-for-fallback', 'restart-after-fallback-1']);
    expect(result.mutations.find((m) => m.step === 'enable-fallback')!.revertedAt).toBeDefined();

    // Fallback came off only after three consecutive successful real rounds (both endpoints), none before the recovery.
    const revertIndex = run.events.findIndex((e) => e.type === 'revert');
    const realBefore = run.events
      .slice(0, revertIndex)
      .filter((e) => e.type === 'probe' && e.recheck !== null && e.probe !== 'status_page');
    const firstHealthy = realBefore.findIndex((e) => e.type === 'probe' && e.healthy);
    expect(realBefore.slice(firstHealthy).every((e) => e.type === 'probe' && e.healthy)).toBe(true);
    expect(realBefore.length - firstHealthy).toBeGreaterThanOrEqual(6);
    expect(run.events[revertIndex]!.elapsedMs).toBeGreaterThanOrEqual(12 * HOUR);
    // …and promptly, although the status page never lagged here: the bounded real-check interval (10 min),
    // one backed-off hint poll (5 min), the 3-check streak, and the 10-minute approval timeout of this policy.
    expect(run.events[revertIndex]!.elapsedMs - 12 * HOUR).toBeLessThanOrEqual(
      10 * MIN + 5 * MIN + 3 * 30_000 + 10 * MIN + MIN,
    );

    // Frugal: most polls are the free status page; real calls stay within the hourly rate (40).
    const hourly = new Map<number, number>();
    for (const e of run.events)
      if (e.type === 'probe' && e.probe !== 'status_page' && e.probe !== 'dns' && e.probe !== 'download')
        hourly.set(Math.floor(e.elapsedMs / HOUR), (hourly.get(Math.floor(e.elapsedMs / HOUR)) ?? 0) + 1);
    for (const [, calls] of [...hourly].slice(1)) expect(calls).toBeLessThanOrEqual(40);
    const hints = run.events.filter((e) => e.type === 'probe' && e.probe === 'status_page').length;
    expect(hints).toBeGreaterThan(run.events.filter((e) => e.type === 'probe' && e.probe === 'legacy_generate').length);
    expect(
      result.timeline.some(
        (e) => e.kind === 'probe' && e.message.startsWith('real check') && e.message.includes('healthy 3/3'),
      ),
    ).toBe(true);

    // Stakeholders heard about it while nothing changed (P1: every 30 min).
    const reminders = run.events.filter((e) => e.type === 'notify' && e.kind === 'reminder');
    expect(reminders.length).toBeGreaterThanOrEqual(20);
    expect(result.postmortem).toMatch(/\*\*Duration:\*\* 12 h/);
  });

  it('does not end early on a flapping recovery: the healthy streak resets', async () => {
    // Real rounds (status page, legacy, v3 = 3 calls each): down, up, up, down, up, up, up.
    const rounds = [false, true, true, false, true, true, true];
    const run = await startUnit(
      ctx,
      unitInput({
        ...unattended,
        timings: { pollInitialMs: 30_000, healthyChecksRequired: 3, realCheckEveryMs: 30_000 },
      }),
      {
        health: ({ recheck }) => rounds[Math.floor(recheck / 3)] ?? true,
      },
    );
    const result = await run.during(() => run.handle.result());
    expect(result.state).toBe('resolved');

    const checks = result.timeline
      .filter((e) => e.message.startsWith('real check'))
      .map((e) =>
        e.message
          .replace(/^real check \d+: /, '')
          .split(' ')
          .slice(0, 2)
          .join(' '),
      );
    expect(checks.slice(0, 6)).toEqual([
      'still failing',
      'healthy 1/3',
      'healthy 2/3',
      'still failing',
      'healthy 1/3',
      'healthy 2/3',
    ]);
    expect(checks[6]).toBe('healthy 3/3');
    const revertIndex = run.events.findIndex((e) => e.type === 'revert');
    const healthyBefore = run.events
      .slice(0, revertIndex)
      .filter((e) => e.type === 'probe' && e.recheck !== null && e.probe === 'legacy_generate' && e.healthy);
    expect(healthyBefore.length).toBeGreaterThanOrEqual(5);
    expect(run.events.filter((e) => e.type === 'revert').map((e) => e.type === 'revert' && e.step)).toEqual([
      'enable-fallback',
    ]);
  });
});
