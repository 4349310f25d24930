import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { runDrillCli } from '../support/drill.ts';

describe('runbook drill: diagnoses without changes (real processes)', () => {
  it.each([
    ['healthy', 'healthy'],
    ['safety-422', 'safety_rejection'],
    ['partial-outage', 'partial_outage'],
    ['timeout', 'degraded_performance'],
    ['dns-failure', 'network_dns'],
    ['slow', 'degraded_performance'],
    ['expired-download', 'download_failure'],
  ])('%s → %s', async (scenario, cause) => {
    const { code, json, stderr } = await runDrillCli([scenario]);
    expect(code, stderr).toBe(0);
    expect(json).toMatchObject({ scenario, cause, state: 'resolved', mutations: [] });
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
