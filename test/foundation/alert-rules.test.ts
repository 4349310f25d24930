import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';

/**
 * The alerting rules for the engine itself in docs/metrics.md: the YAML parses, every rule names only
 * metrics the engine (or the Temporal SDK) exports, and Prometheus' own `promtool` accepts it.
 */
const readme = readFileSync(join(PROJECT_ROOT, 'docs', 'metrics.md'), 'utf8');
const block = /```yaml\n((?:#[^\n]*\n)*groups:\n[\s\S]*?)```/.exec(readme)?.[1];
const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every metric name `prom-client` registers under src/ (`name: 'runbook_…'`). */
function exportedNames(dir = join(PROJECT_ROOT, 'src')): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .flatMap((e) =>
      [...readFileSync(join(e.parentPath, e.name), 'utf8').matchAll(/['"](runbook_[a-z_]+)['"]/g)].map((m) => m[1]!),
    );
}

describe('the documented alerting rules', () => {
  it('parse as Prometheus rule groups that use only metrics the engine exports', () => {
    expect(block, 'a ```yaml block starting with groups: in docs/metrics.md').toBeDefined();
    const doc = parse(block!) as { groups: Array<{ name: string; rules: Rule[] }> };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'RunbookApprovalWaitingTooLong',
        'RunbookIncidentNeedsHuman',
        'RunbookWorkflowTaskFailures',
        'RunbookIncidentStuck',
        'RunbookIntakeFailed',
        'RunbookTemporalUnreachable',
      ]),
    );
    const known = new Set([...exportedNames(), 'temporal_workflow_task_execution_failed']);
    for (const rule of rules) {
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      const used = [...rule.expr.matchAll(/\b((?:runbook|temporal)_[a-z_]+)\b/g)].map((m) => m[1]!);
      for (const name of used) expect(known.has(name), `${rule.alert} uses ${name}, which nothing exports`).toBe(true);
    }
  });

  it('pass `promtool check rules`', (ctx) => {
    if (!existsSync(PROMTOOL)) {
      console.warn(
        `######## promtool not found at ${PROMTOOL}: the documented rules were NOT checked by Prometheus. Install it with \`apt-get install prometheus\` (or set PROMTOOL_PATH). ########`,
      );
      ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), block!);
      const run = spawnSync(PROMTOOL, ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/SUCCESS: 7 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
