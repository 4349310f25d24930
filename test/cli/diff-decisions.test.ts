import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../support/cli.ts';
import { temporalAddress } from '../support/temporal.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';

/**
 * `runbook diff-decisions` as a real process: incidents run as drills (the simulator, a real
 * Temporal dev server) on one text of a document; the evidence their histories recorded is read
 * back through another text's decision table.
 */
describe('runbook diff-decisions (real processes)', () => {
  // An id of its own: other tests on the shared server run incidents of their own document runbooks.
  const id = `diff-${randomUUID().slice(0, 8)}`;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let unchanged: string;
  let changed: string;
  const incidents: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'diff-decisions-'));
    const doc = anthropicDocument();
    doc.metadata.id = id;
    const loaded = join(dir, 'loaded');
    await mkdir(loaded);
    unchanged = join(loaded, `${id}.yaml`);
    await writeFile(unchanged, stringify(doc));
    // The new text: a 401 is no longer read as a rejected key (only a 403 is).
    const next = anthropicDocument();
    next.metadata.id = id;
    next.metadata.version = 2;
    next.decision[2].when.status = [403];
    changed = join(dir, `${id}-v2.yaml`);
    await writeFile(changed, stringify(next));
    env = {
      RUNBOOK_RUNBOOKS_DIR: loaded,
      TEMPORAL_ADDRESS: temporalAddress(),
      RUNBOOK_DATA_DIR: await mkdtemp(join(tmpdir(), 'diff-decisions-data-')),
    };
    for (const scenario of ['auth-401', 'healthy']) {
      const drill = await runCli(['drill', '--runbook', id, scenario, '--auto-approve', '--json'], {
        env,
        timeoutMs: 110_000,
      });
      expect(drill.code, drill.stderr).toBe(0);
      incidents[scenario] = (JSON.parse(drill.stdout) as { incidentId: string }).incidentId;
    }
  }, 240_000);

  it('the text the incidents ran reports no difference, over their evidence and over its scenarios', async () => {
    const { code, stdout, stderr } = await runCli(
      ['diff-decisions', '--runbook', unchanged, '--incident', incidents['auth-401']!, incidents.healthy!, '--json'],
      { env, timeoutMs: 60_000 },
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as {
      runbook: string;
      compared: Array<{ incidentId: string; before: Record<string, unknown>; differences: string[] }>;
      scenarios: { registered: string; scenarios: Array<{ scenario: string; differences: string[]; after: unknown }> };
    };
    expect(report.runbook).toBe(id);
    expect(report.compared.map((c) => [c.incidentId, c.before?.cause, c.before?.rule, c.differences])).toEqual([
      [incidents['auth-401'], 'auth_failure', 'key-rejected', []],
      [incidents.healthy, 'healthy', 'healthy', []],
    ]);
    expect(report.scenarios.registered).toMatch(new RegExp(`^${id} v1 \\(sha256 [0-9a-f]{12}\\)$`));
    expect(report.scenarios.scenarios.map((s) => s.scenario)).toContain('auth-401');
    expect(report.scenarios.scenarios.filter((s) => s.differences.length > 0)).toEqual([]);

    // As a CI gate: no difference, exit 0.
    const gate = await runCli(
      ['diff-decisions', '--runbook', unchanged, '--incident', incidents.healthy!, '--exit-code'],
      {
        env,
        timeoutMs: 60_000,
      },
    );
    expect(gate.code, gate.stderr).toBe(0);
  });

  it('a changed rule flips the past incident it decided, naming the old and the new rule', async () => {
    const { code, stdout, stderr } = await runCli(['diff-decisions', '--runbook', changed, '--since', '1h'], {
      env,
      timeoutMs: 60_000,
    });
    expect(code, stderr).toBe(0);
    const flipped = stdout.split('\n').find((line) => line.startsWith(incidents['auth-401']!));
    expect(flipped).toMatch(
      /P1 auth_failure \[key-rejected\]\s+P3 degraded_performance \[unexplained\]\s+cause, severity, plan rotate-key → check-performance/,
    );
    expect(stdout).not.toContain(`${incidents.healthy} `);
    expect(stdout).toMatch(/^1 of 2 incident\(s\) would be decided differently$/m);
    // The scenarios: the registered text (v1) and the new one part on the 401 scenario only.
    expect(stdout).toMatch(
      /^auth-401\s+auth_failure\s+P1 auth_failure \[key-rejected\]\s+P3 degraded_performance \[unexplained\]\s+cause, severity, plan rotate-key → check-performance$/m,
    );
    expect(stdout).toMatch(/^1 of \d+ scenario\(s\) would be decided differently$/m);

    // As a CI gate: the same report, and exit 3 because something would be decided differently.
    const gate = await runCli(['diff-decisions', '--runbook', changed, '--since', '1h', '--exit-code'], {
      env,
      timeoutMs: 60_000,
    });
    expect(gate.code, gate.stderr).toBe(3);
    expect(gate.stdout).toMatch(/^1 of 2 incident\(s\) would be decided differently$/m);
  });

  it('bad input is refused with what was wrong (exit 2)', async () => {
    const missing = await runCli(['diff-decisions', '--runbook', join(dir, 'nope.yaml')], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml is not a valid runbook document: $: no such file');

    const bad = anthropicDocument();
    bad.plans.fallback[1] = { waitForRecovry: {} };
    const badFile = join(dir, 'bad.yaml');
    await writeFile(badFile, stringify(bad));
    const invalid = await runCli(['diff-decisions', '--runbook', badFile], { env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('$.plans.fallback[1].waitForRecovry: unknown key — did you mean waitForRecovery?');

    const since = await runCli(['diff-decisions', '--runbook', unchanged, '--since', 'last week'], { env });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since: a duration like 30d, 12h, 90m or 2w');

    const both = await runCli(['diff-decisions', '--runbook', unchanged, '--since', '1d', '--incident', 'x'], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('use --since or --incident, not both');

    const unknown = await runCli(['diff-decisions', '--runbook', unchanged, '--incident', 'incident-never-was'], {
      env,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown incident "incident-never-was"');

    const other = anthropicDocument();
    other.metadata.id = `${id}-other`;
    const otherFile = join(dir, 'other.yaml');
    await writeFile(otherFile, stringify(other));
    const elsewhere = await runCli(['diff-decisions', '--runbook', otherFile, '--incident', incidents.healthy!], {
      env,
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`incident "${incidents.healthy}" ran runbook ${id}, not ${id}-other`);
  });
});
