import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acknowledgeSignal } from '../../src/contract/index.ts';
import { MIN, startTimeSkipping, startUnit, unitInput, unitServiceWith } from './support/time-skipping.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping();
});
afterAll(() => ctx.env.teardown());

describe('rate limited (time-skipping, mocked activities)', () => {
  it('hands over to a human with the "ask the provider" action when 429s outlast the window, keeps the cut, and restores concurrency once real calls recover', async () => {
    const run = await startUnit(
      ctx,
      unitInput({
        service: unitServiceWith({ rateLimitWindowMs: 15 * MIN }),
        policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' },
        timings: { pollInitialMs: 60_000, pollMaxMs: 3 * MIN },
      }),
      { fault: 429, health: ({ elapsedMs }) => elapsedMs >= 40 * MIN },
    );
    const result = await run.during(async () => {
      await run.handle.signal(acknowledgeSignal, { by: 'oncall' });
      return run.handle.result();
    });

    expect(result).toMatchObject({ state: 'resolved', cause: 'rate_limited', severity: 'P2' });
    const start = Date.parse(result.timeline[0]!.at);
    const escalations = result.timeline.filter((e) => e.kind === 'escalation');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.message).toContain(
      'the fix did not take and a human owns the incident now: 429s persist at IDEOGRAM_CONCURRENCY=3: contact Ideogram for a limit increase (partnership@ideogram.ai)',
    );
    expect(escalations[0]!.message).toContain(
      'Still in place (not reverted while the provider fails): IDEOGRAM_CONCURRENCY=3',
    );
    expect(Date.parse(escalations[0]!.at) - start).toBeGreaterThanOrEqual(15 * MIN);
    // A human owned it until real calls recovered; the plan then resumed by itself.
    const states = result.timeline.filter((e) => e.kind === 'state').map((e) => e.message.split(':')[0]);
    expect(states.indexOf('needs_human')).toBeGreaterThan(states.indexOf('monitoring'));
    expect(states.slice(states.indexOf('needs_human') + 1)).toEqual(
      expect.arrayContaining(['mitigating', 'reverting', 'resolved']),
    );
    const statuses = result.timeline
      .filter((e) => e.kind === 'notification')
      .map((e) => (e.data as { status: string }).status);
    expect(statuses).toContain('ESCALATED');
    expect(statuses.at(-1)).toBe('RESOLVED');
    // While a verdict is awaited every poll makes real calls to both endpoints: the status page cannot see a rate limit.
    const rechecks = run.events.filter((e) => e.type === 'probe' && e.recheck !== null);
    const legacy = rechecks.filter((e) => e.type === 'probe' && e.probe === 'legacy_generate').length;
    expect(legacy).toBeGreaterThan(10);
    expect(rechecks.filter((e) => e.type === 'probe' && e.probe === 'v3_generate').length).toBe(legacy);
    expect(rechecks.filter((e) => e.type === 'probe' && e.probe === 'status_page').length).toBeGreaterThanOrEqual(
      legacy - 4,
    );
    const reduce = result.mutations.find((m) => m.step === 'reduce-concurrency')!;
    expect(reduce.change).toBe('IDEOGRAM_CONCURRENCY=3');
    expect(reduce.revertedAt).toBeDefined();
    expect(Date.parse(reduce.revertedAt!) - start).toBeGreaterThanOrEqual(40 * MIN);
  });
});
