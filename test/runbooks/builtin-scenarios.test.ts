import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { temporalAddress } from '../support/temporal.ts';

interface RunbookReport {
  runbook: string;
  passed: boolean;
  scenarios: Array<{ scenario: string; expectedCause: string; cause: string | null; state: string; passed: boolean }>;
}

const BUILT_IN = ['ideogram', 'openai', 'anthropic'];

/**
 * Every built-in runbook's declared scenarios, as `runbook test` runs them: one real process for
 * the three (one workflow bundle), four drills at a time, each ending as its scenario declares.
 */
describe('runbook test for every built-in runbook (one real process)', () => {
  it('every declared scenario of ideogram, openai and anthropic ends as declared', async () => {
    const { code, stdout, stderr } = await runCli(['test', ...BUILT_IN, '--concurrency', '4', '--json'], {
      env: { TEMPORAL_ADDRESS: temporalAddress(), RUNBOOK_DATA_DIR: await mkdtemp(join(tmpdir(), 'runbook-test-')) },
      timeoutMs: 400_000,
    });
    const report = JSON.parse(stdout) as { passed: boolean; runbooks: RunbookReport[] };
    expect(report.runbooks.map((r) => r.runbook)).toEqual(BUILT_IN);
    for (const runbook of report.runbooks) {
      expect(runbook.scenarios.length, runbook.runbook).toBeGreaterThan(1);
      expect(
        runbook.scenarios.filter((s) => !s.passed),
        stderr,
      ).toEqual([]);
      expect(runbook.scenarios.map((s) => s.cause)).toEqual(runbook.scenarios.map((s) => s.expectedCause));
    }
    expect(report.passed).toBe(true);
    expect(code, stderr).toBe(0);
  }, 420_000);
});
