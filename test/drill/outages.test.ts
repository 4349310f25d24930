import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { runDrillCli } from '../support/drill.ts';
import { temporalAddress } from '../support/temporal.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

describe('runbook drill: outages and mutations (real processes)', () => {
  it('outage-500: a whole game day, JSON on stdout only, postmortem with the real timeline, webhook sequence in order', async () => {
    const { code, json, stdout } = await runDrillCli(['outage-500'], {
      RUNBOOK_WEBHOOK_URL: receiver.url('/hooks/T000/secret-path'),
    });
    expect(code).toBe(0);
    expect(stdout.trim().startsWith('{')).toBe(true);
    expect(json).toMatchObject({ scenario: 'outage-500', cause: 'provider_outage', severity: 'P1', state: 'resolved' });
    expect(json!.approvals.map((a) => [a.stepId, a.by])).toEqual([
      ['enable-fallback', 'drill-auto'],
      ['disable-fallback', 'drill-auto'],
    ]);
    expect(json!.mutations[0]).toMatchObject({
      step: 'enable-fallback',
      change: 'IDEOGRAM_FALLBACK=true',
      kubectl: 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true -n default',
    });
    expect(json!.mutations[0]!.revertedAt).not.toBeNull();
    const postmortem = await readFile(json!.postmortemPath, 'utf8');
    for (const entry of json!.timeline.filter((e) => e.kind === 'mutation' || e.kind === 'reverted'))
      expect(postmortem).toContain(entry.message);

    const statuses = receiver.delivered().map((r) => (r.json as { status: string }).status);
    expect(statuses[0]).toBe('INVESTIGATING');
    expect(statuses.at(-1)).toBe('RESOLVED');
    expect(statuses).toContain('MITIGATED');
    expect(statuses.indexOf('MITIGATED')).toBeLessThan(statuses.lastIndexOf('RESOLVED'));
    expect(statuses.slice(statuses.indexOf('MITIGATED')).includes('INVESTIGATING')).toBe(false);
    expect(receiver.delivered().every((r) => (r.json as { incidentId: string }).incidentId === json!.incidentId)).toBe(
      true,
    );

    // The audit trail of the drill, read back from history.
    const audit = await runCli(['audit', json!.incidentId, '--json'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    const entries = JSON.parse(audit.stdout) as Array<{ kind: string; who: string | null; what: string }>;
    expect(entries.filter((e) => e.kind === 'signal' && e.what.startsWith('approved')).map((e) => e.who)).toEqual([
      'drill-auto',
      'drill-auto',
    ]);
    expect(entries.some((e) => e.kind === 'mutation' && e.what.includes('IDEOGRAM_FALLBACK=true'))).toBe(true);
    expect(entries.some((e) => e.kind === 'revert' && e.what.includes('enable-fallback'))).toBe(true);
    // The confirmation rounds ran inside the triage's activity: the audit still lists each round's probes.
    const confirmations = json!.timeline.filter(
      (e) => e.kind === 'probe' && e.message.startsWith('confirmation '),
    ).length;
    expect(confirmations).toBeGreaterThan(0);
    expect(entries.filter((e) => e.kind === 'probe' && e.what.startsWith('confirmation ')).length).toBe(confirmations);
  });

  it.each([
    ['outage-503', 'provider_outage'],
    ['auth-401', 'auth_failure'],
    ['credits-402', 'credits_exhausted'],
    ['rate-limit-429', 'rate_limited'],
  ])('%s resolves as %s; temporary changes reverted, the key rotation kept', async (scenario, cause) => {
    const { code, json, stderr } = await runDrillCli([scenario]);
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ cause, state: 'resolved' });
    expect(json!.mutations.length).toBeGreaterThan(0);
    for (const m of json!.mutations.filter((m) => !m.change.startsWith('restartedAt'))) {
      // A rotated key is the fix itself; everything else was a temporary mitigation.
      if (m.step === 'apply-new-key') expect(m.revertedAt).toBeNull();
      else expect(m.revertedAt).not.toBeNull();
    }
  });

  it('a scenario file with a flapping recovery resolves only after a steady healthy streak', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flap-'));
    const file = join(dir, 'flapping.json');
    const down = { legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } };
    await writeFile(file, JSON.stringify([{ requests: 14, ...down }, { requests: 3 }, { requests: 6, ...down }, {}]));
    const { code, json } = await runDrillCli(['--scenario-file', file]);
    expect(code).toBe(0);
    expect(json).toMatchObject({ cause: 'provider_outage', state: 'resolved' });
    const polls = json!.timeline.filter((e) => e.message.startsWith('real check')).map((e) => e.message);
    const firstHealthy = polls.findIndex((m) => m.includes('healthy 1/3'));
    const relapse = polls.findIndex((m, i) => i > firstHealthy && m.includes('still failing'));
    expect(firstHealthy).toBeGreaterThanOrEqual(0);
    expect(relapse).toBeGreaterThan(firstHealthy);
    expect(polls.at(-1)).toContain('healthy 3/3');
  });
});
