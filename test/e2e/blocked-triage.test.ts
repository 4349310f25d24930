import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideSecretRefSignal, type IncidentResult } from '../../src/contract/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

let h: Harness;
beforeAll(async () => {
  // The worker's probes cannot read the configured key: only a rotated one (NEW_*) is in their environment.
  h = await startHarness({
    scenario: 'outage-503',
    deps: { probes: { secrets: { env: { NEW_IDEOGRAM_KEY: TEST_API_KEY } } } },
  });
});
afterAll(() => h.close());

describe('probes that cannot run (dev server, simulator, record-only target)', () => {
  it('block triage with the reason and no guessed cause; a reference handed over unblocks it and the real outage is found', async () => {
    const handle = await h.start();
    const blocked = await h.waitFor(handle, (s) => s.state === 'blocked', 'the blocked state');
    expect(blocked.blocker).toMatch(/^the worker cannot read env:HARNESS_IDEOGRAM_API_KEY/);
    expect(blocked.cause).toBeNull();
    expect(h.sim.requests().filter((r) => r.endpoint === 'legacy' || r.endpoint === 'v3')).toEqual([]);

    await handle.signal(provideSecretRefSignal, {
      by: 'bob',
      stepId: 'probe-credentials',
      ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
    });
    const result: IncidentResult = await h.approveWhenAsked(handle);
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', severity: 'P1' });
    expect(result.causes.map((c) => c.cause)).toEqual(['provider_outage']);
    const escalation = result.timeline.find((e) => e.kind === 'escalation')!;
    expect(escalation.message).toMatch(/^cannot triage: the worker cannot read env:HARNESS_IDEOGRAM_API_KEY/);
    expect(
      result.timeline.some((e) => e.message.startsWith('Probes now use env:NEW_IDEOGRAM_KEY (provided by bob)')),
    ).toBe(true);
    // No decision before the probes could run; none of the blocked rounds reached the provider.
    const decisionAt = result.timeline.findIndex((e) => e.kind === 'decision');
    const unblockedAt = result.timeline.findIndex((e) => e.message.startsWith('Unblocked'));
    expect(unblockedAt).toBeGreaterThan(-1);
    expect(decisionAt).toBeGreaterThan(unblockedAt);
    expect(JSON.stringify(result)).not.toContain(TEST_API_KEY);
  });
});
