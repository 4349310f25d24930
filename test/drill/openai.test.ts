import { describe, expect, it } from 'vitest';
import { runDrillCli } from '../support/drill.ts';

/** The second runbook, end to end: `runbook drill --runbook openai <scenario> --auto-approve` as a real process. */
describe('runbook drill --runbook openai (real processes)', () => {
  const drill = (scenario: string) =>
    runDrillCli(['--runbook', 'openai', scenario], { OPENAI_API_KEY: 'sk-drill-test' });

  it('outage-500: fallback on while every endpoint fails, off once real calls succeed', async () => {
    const { code, json, stderr } = await drill('outage-500');
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause: 'provider_outage', severity: 'P1', state: 'resolved' });
    expect(json!.approvals.map((a) => a.stepId)).toEqual(['enable-fallback', 'restore-enable-fallback']);
    const fallback = json!.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(fallback).toMatchObject({
      change: 'OPENAI_FALLBACK=true',
      kubectl: 'kubectl set env deployment/openai-service OPENAI_FALLBACK=true -n default',
    });
    expect(fallback.revertedAt).not.toBeNull();
  });

  it("auth-401: a new key (Authorization: Bearer) goes into the runbook's secret and stays", async () => {
    const { code, json, stderr } = await drill('auth-401');
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause: 'auth_failure', state: 'resolved' });
    const rotation = json!.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(rotation.target).toContain('secret/openai-secrets');
    expect(rotation.revertedAt).toBeNull();
  });

  it.each([
    ['quota-429', 'quota_exhausted', 'pause-batch-jobs'],
    ['rate-limit-429', 'rate_limited', 'reduce-concurrency'],
  ])('%s resolves as %s; %s is reverted at the end', async (scenario, cause, step) => {
    const { code, json, stderr } = await drill(scenario);
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause, state: 'resolved' });
    const change = json!.mutations.find((m) => m.step === step)!;
    expect(change.revertedAt).not.toBeNull();
    if (step === 'reduce-concurrency') expect(change.change).toBe('OPENAI_MAX_CONCURRENCY=2');
  });

  it('timeout: degraded performance, handled by the checks a human confirms; healthy closes as a false alarm', async () => {
    const timeout = await drill('timeout');
    expect(timeout.code, timeout.stderr).toBe(0);
    expect(timeout.json).toMatchObject({ cause: 'degraded_performance', state: 'resolved', mutations: [] });
    const healthy = await drill('healthy');
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.json).toMatchObject({ cause: 'healthy', severity: 'P4', state: 'closed' });
  });

  it('an unknown scenario of this runbook is a usage error naming its built-in scenarios', async () => {
    const { code, stderr } = await drill('credits-402');
    expect(code).toBe(2);
    expect(stderr).toContain('quota-429');
  });
});
