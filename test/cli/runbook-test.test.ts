import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../support/cli.ts';
import { temporalAddress } from '../support/temporal.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';

/** `runbook test RUNBOOK` as a real process, on a document loaded from RUNBOOK_RUNBOOKS_DIR. */
describe('runbook test (real processes)', () => {
  it('runs the declared scenarios as drills, prints one row each, and exits 3 when one does not end as declared', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runbooks-'));
    const doc = anthropicDocument();
    doc.metadata.id = 'payments';
    // A scenario whose declared outcome is wrong: the table must say so.
    doc.tooling.scenarios.timeout.expectedCause = 'overloaded';
    await writeFile(join(dir, 'payments.yaml'), stringify(doc));
    const env = {
      RUNBOOK_RUNBOOKS_DIR: dir,
      TEMPORAL_ADDRESS: temporalAddress(),
      RUNBOOK_DATA_DIR: await mkdtemp(join(tmpdir(), 'runbook-test-')),
    };

    const { code, stdout, stderr } = await runCli(['test', 'payments', '--scenario', 'healthy', 'timeout', '--json'], {
      env,
      timeoutMs: 170_000,
    });
    expect(code, stderr).toBe(3);
    const report = JSON.parse(stdout) as {
      runbook: string;
      passed: boolean;
      scenarios: Array<Record<string, unknown>>;
    };
    expect(report).toMatchObject({
      runbook: 'payments',
      passed: false,
      scenarios: [
        {
          scenario: 'healthy',
          expectedCause: 'healthy',
          cause: 'healthy',
          severity: 'P4',
          state: 'closed',
          passed: true,
        },
        {
          scenario: 'timeout',
          expectedCause: 'overloaded',
          cause: 'degraded_performance',
          severity: 'P3',
          state: 'resolved',
          passed: false,
        },
      ],
    });
    expect(stderr).toContain('FAIL timeout: degraded_performance → resolved');
  });

  it('an unknown runbook or scenario is a usage error naming what is declared (exit 2)', async () => {
    const unknownRunbook = await runCli(['test', 'payments']);
    expect(unknownRunbook.code).toBe(2);
    expect(unknownRunbook.stderr).toContain('unknown runbook "payments"');
    const unknownScenario = await runCli(['test', 'anthropic', '--scenario', 'outage-503']);
    expect(unknownScenario.code).toBe(2);
    expect(unknownScenario.stderr).toContain(
      'unknown scenario "outage-503" for runbook anthropic — declared: healthy, auth-401, credits-400',
    );
    const scenarioOfSeveral = await runCli(['test', 'anthropic', 'openai', '--scenario', 'healthy']);
    expect(scenarioOfSeveral.code).toBe(2);
    expect(scenarioOfSeveral.stderr).toContain('--scenario names the scenarios of a single runbook');
  });
});
