import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { runDrillCli } from '../support/drill.ts';

describe('runbook drill: diagnoses without changes (real processes)', () => {
  it.each([
    // A false alarm and a prompt problem end `closed`: nothing was wrong with the provider to resolve.
    ['healthy', 'healthy', 'closed'],
    ['safety-422', 'safety_rejection', 'closed'],
    ['partial-outage', 'partial_outage', 'resolved'],
    ['timeout', 'degraded_performance', 'resolved'],
    ['dns-failure', 'network_dns', 'resolved'],
    ['slow', 'degraded_performance', 'resolved'],
    ['expired-download', 'download_failure', 'resolved'],
  ])('%s → %s, %s', async (scenario, cause, state) => {
    const { code, json, stderr } = await runDrillCli([scenario]);
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ scenario, cause, state, mutations: [] });
  });

  it('rejects bad input with exit 2 and starts nothing', async () => {
    const unknown = await runCli(['drill', 'meteor-strike', '--auto-approve']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown scenario "meteor-strike"');
    const none = await runCli(['drill']);
    expect(none.code).toBe(2);
    const cluster = await runCli(['drill', 'outage-500', '--kube-context', 'prod']);
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toContain('--kube-context needs --dry-run');
  });
});
