import { describe, expect, it } from 'vitest';
import { runDrillCli } from '../support/drill.ts';
import { expectInvariants } from './support/fix-invariants.ts';

/** The third runbook, written only as a document, end to end: `runbook drill --runbook anthropic <scenario> --auto-approve` as a real process. */
describe('runbook drill --runbook anthropic (real processes)', () => {
  const drill = (scenario: string) =>
    runDrillCli(['--runbook', 'anthropic', scenario], { ANTHROPIC_API_KEY: 'sk-ant-drill-test' });

  it.each([
    ['outage-500', 'provider_outage', 'P1'],
    ['overloaded-529', 'overloaded', 'P2'],
  ])(
    '%s: %s (%s), fallback on while messages fail, restored once real calls succeed',
    async (scenario, cause, severity) => {
      const { code, json, stderr } = await drill(scenario);
      expect(code, stderr).toBe(0);
      expect(json).toMatchObject({ cause, severity, state: 'resolved' });
      expect(json!.approvals.map((a) => a.stepId)).toEqual(['enable-fallback', 'restore-enable-fallback']);
      const fallback = json!.mutations.find((m) => m.step === 'enable-fallback')!;
      expect(fallback).toMatchObject({
        change: 'ANTHROPIC_FALLBACK=true',
        kubectl: 'kubectl set env deployment/anthropic-service ANTHROPIC_FALLBACK=true -n default',
      });
      expect(fallback.revertedAt).not.toBeNull();
      expectInvariants(json!);
    },
  );

  it("auth-401: a new key (x-api-key) goes into the document's secret and stays", async () => {
    const { code, json, stderr } = await drill('auth-401');
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause: 'auth_failure', severity: 'P1', state: 'resolved' });
    const rotation = json!.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(rotation.target).toContain('secret/anthropic-secrets');
    expect(rotation.revertedAt).toBeNull();
    expectInvariants(json!);
  });

  it.each([
    ['credits-400', 'credits_exhausted', 'pause-batch-jobs', undefined],
    ['rate-limit-429', 'rate_limited', 'reduce-concurrency', 'ANTHROPIC_MAX_CONCURRENCY=2'],
  ])('%s resolves as %s; %s is reverted at the end', async (scenario, cause, step, change) => {
    const { code, json, stderr } = await drill(scenario);
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause, state: 'resolved' });
    const mutation = json!.mutations.find((m) => m.step === step)!;
    expect(mutation.revertedAt).not.toBeNull();
    if (change) expect(mutation.change).toBe(change);
    expectInvariants(json!);
  });

  it('timeout: degraded performance (P3), handled by checks a human confirms; healthy closes as a false alarm', async () => {
    const timeout = await drill('timeout');
    expect(timeout.code, timeout.stderr).toBe(0);
    expect(timeout.json).toMatchObject({
      cause: 'degraded_performance',
      severity: 'P3',
      state: 'resolved',
      mutations: [],
    });
    const healthy = await drill('healthy');
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.json).toMatchObject({ cause: 'healthy', severity: 'P4', state: 'closed' });
  });
});
