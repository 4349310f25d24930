import { describe, expect, it } from 'vitest';
import { runDrillCli } from '../support/drill.ts';
import { expectInvariants, scenario } from './support/fix-invariants.ts';

describe(
  'runbook drill: when the fix does not take (real processes, simulator, record-only target)',
  { timeout: 180_000 },
  () => {
    it('rate limiting the concurrency cut does not cure: handed to a human with the cut kept, restored after the limit lifts', async () => {
      const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('rate-limit-not-cured')]);
      expect(code, stderr.slice(-2_000)).toBe(0);
      expect(json).toMatchObject({ cause: 'rate_limited', state: 'resolved' });
      const owned = json!.timeline.findIndex((e) => e.kind === 'state' && e.message.startsWith('needs_human'));
      const restored = json!.timeline.findIndex(
        (e) => e.kind === 'reverted' && e.message.startsWith('IDEOGRAM_CONCURRENCY=3'),
      );
      expect(owned).toBeGreaterThan(0);
      expect(restored).toBeGreaterThan(owned);
      expectInvariants(json!);
    });

    it('credits that take a while to top up: batch jobs stay paused until real calls succeed, then resumed', async () => {
      const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('credits-slow-top-up')]);
      expect(code, stderr.slice(-2_000)).toBe(0);
      expect(json).toMatchObject({ cause: 'credits_exhausted', state: 'resolved' });
      expect(json!.mutations.find((m) => m.step === 'pause-batch-jobs')).toMatchObject({
        purpose: 'protective',
        disposition: { outcome: 'reverted' },
      });
      expectInvariants(json!);
    });
  },
);
