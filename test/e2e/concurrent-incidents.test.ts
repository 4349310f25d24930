import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordOnlyTarget } from '../../src/activities/kubernetes/index.ts';
import { concurrentOutages } from '../support/concurrent-incidents.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ inflightLimit: 1_000 });
});
afterAll(() => h.close());

const env = () => (h.target as RecordOnlyTarget).snapshot().deployments['payments/ideogram-service']!.containers;

describe('several incidents on one deployment (dev server, simulator, record-only target)', () => {
  it.each([2, 10])(
    '%i concurrent incidents: each records the true original, and the deployment ends exactly as it began',
    async (n) => {
      const before = structuredClone(env());
      const results = await concurrentOutages(h, n);
      for (const result of results) {
        expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
        const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
        // The value before any incident touched it: absent, never another incident's `true`.
        expect(fallback.previous).toEqual([
          { container: 'api', previous: null },
          { container: 'worker', previous: null },
        ]);
        expect(fallback.revertedAt).toBeDefined();
      }
      expect(env()).toEqual(before);
    },
    240_000,
  );
});
