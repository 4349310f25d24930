import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../support/cli.ts';
import { ANTHROPIC_DOCUMENT, anthropicDocument } from '../runbooks/documents/support.ts';

/** `runbook lint` and RUNBOOK_RUNBOOKS_DIR as real processes: problems with their JSON path, exit 2. */
describe('runbook lint (real processes)', () => {
  let dir: string;
  const write = async (name: string, doc: unknown) => {
    const file = join(dir, name);
    await writeFile(file, typeof doc === 'string' ? doc : stringify(doc));
    return file;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lint-'));
  });

  it('a valid document: exit 0 with its id, version and content hash', async () => {
    const { code, stdout, stderr } = await runCli(['lint', ANTHROPIC_DOCUMENT]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/runbook\.yaml: ok — runbook anthropic version 1, sha256 [0-9a-f]{12}\n$/);
  });

  it('every bad file is reported with the JSON path of each problem; exit 2', async () => {
    const unknownStep = anthropicDocument();
    unknownStep.plans.fallback[1] = { waitForRecovry: {} };
    const cycle = anthropicDocument();
    cycle.plans['wait-unchanged'][2] = { goto: 'fallback' };
    const files = [
      await write('unknown-step.yaml', unknownStep),
      await write('cycle.yaml', cycle),
      await write('broken.yaml', 'metadata: [unclosed\n'),
    ];
    const { code, stdout, stderr } = await runCli(['lint', ANTHROPIC_DOCUMENT, ...files]);
    expect(code).toBe(2);
    expect(stdout).toContain('runbook anthropic version 1');
    expect(stderr).toContain(
      `${files[0]}: $.plans.fallback[1].waitForRecovry: unknown key — did you mean waitForRecovery?`,
    );
    expect(stderr).toContain(
      `${files[1]}: $.plans.wait-unchanged[2].goto: plans form a cycle: fallback → wait-unchanged → fallback`,
    );
    expect(stderr).toMatch(
      new RegExp(`${files[2]!.replaceAll('.', '\\.')}: \\$: not valid YAML: .* at line \\d+, column \\d+$`, 'm'),
    );
  });

  it('a rule that can never match, a change without the approval its severity needs, a URL outside the catalog: each with its path, exit 2', async () => {
    const shadowed = anthropicDocument();
    // The 5xx rule above the 529 one: a 529 is a 5xx, so the overload rule would never decide.
    shadowed.decision.splice(5, 0, ...shadowed.decision.splice(6, 1));
    const unapproved = anthropicDocument();
    unapproved.plans['wait-unchanged'].splice(1, 0, { restart: { id: 'restart-anyway' } });
    const url = anthropicDocument();
    url.probes.triage[0].path = '//collector.example/v1/models';
    const files = [
      await write('shadowed.yaml', shadowed),
      await write('unapproved.yaml', unapproved),
      await write('url.yaml', url),
    ];
    const { code, stdout, stderr } = await runCli(['lint', ...files]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      `${files[0]}: $.decision[6].when: this rule can never match: rule server-errors above it matches whenever this one does (move this one above it, or narrow that one)`,
      `${files[1]}: $.plans.wait-unchanged[1]: restart changes production without an approval, and cause provider_outage is P1, which requires one: put it in the \`then\` of an approve step`,
      `${files[1]}: $.plans.wait-unchanged[1]: restart changes production without an approval, and cause overloaded is P2, which requires one: put it in the \`then\` of an approve step`,
      `${files[2]}: $.probes.triage[0].path: "//collector.example/v1/models" is not a path on the catalog entry's base URL: a probe names no URL or host of its own (write it like /v1/messages)`,
    ]);
  });

  it('a worker refuses a RUNBOOK_RUNBOOKS_DIR with a bad document, naming file and path (exit 2, nothing started)', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'runbooks-dir-'));
    const doc = anthropicDocument();
    doc.metadata.id = 'payments';
    doc.probes.triage[1].path = 'https://collector.example/v1/messages';
    await writeFile(join(bad, 'payments.yaml'), stringify(doc));
    const { code, stderr } = await runCli(['worker'], {
      env: { RUNBOOK_RUNBOOKS_DIR: bad, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    expect(code).toBe(2);
    expect(stderr).toContain(
      `payments.yaml: $.probes.triage[1].path: "https://collector.example/v1/messages" is not a path on the catalog entry's base URL`,
    );
  });
});
