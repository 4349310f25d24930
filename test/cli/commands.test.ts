import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import type { IncidentStatus } from '../../src/contract/index.ts';
import { runCli } from '../support/cli.ts';
import { cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalAddress } from '../support/temporal.ts';

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness({ scenario: 'partial-outage' });
  env = cliEnvironment(h, temporalAddress());
});
afterAll(() => h.close());

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extra } });

async function waitForStatus(id: string, predicate: (s: IncidentStatus) => boolean): Promise<IncidentStatus> {
  for (let i = 0; i < 200; i += 1) {
    const { code, stdout } = await cli(['status', id, '--json']);
    if (code === 0) {
      const status = JSON.parse(stdout) as IncidentStatus;
      if (predicate(status)) return status;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`status of ${id} never matched`);
}

describe('runbook CLI against the dev server (real processes)', () => {
  const id = `incident-cli-${Date.now().toString(36)}`;

  it('start opens an incident and refuses a duplicate id', async () => {
    const started = await cli(['start', '--symptom', 'legacy endpoint 500s', '--id', id, '--json']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual({ incidentId: id });
    const duplicate = await cli(['start', '--id', id]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain(`an incident with id ${id} is already running`);
  });

  it('status shows the decision and the pending approval with its exact approve command', async () => {
    const status = await waitForStatus(id, (s) => s.pendingApprovals.length > 0);
    expect(status).toMatchObject({ cause: 'partial_outage', severity: 'P2', state: 'awaiting_approval' });
    const { stdout, code } = await cli(['status', id]);
    expect(code).toBe(0);
    expect(stdout).toContain(`approve: runbook approve ${id} confirm-partial-outage-handled --by <your-name>`);
  });

  it('list finds it by severity through the search attributes', async () => {
    let rows: Array<{ incidentId: string; severity: string }> = [];
    for (let i = 0; i < 50 && !rows.some((r) => r.incidentId === id); i += 1) {
      rows = JSON.parse((await cli(['list', '--severity', 'P2', '--json'])).stdout) as typeof rows;
      if (!rows.some((r) => r.incidentId === id)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.find((r) => r.incidentId === id)).toMatchObject({ severity: 'P2' });
    const p1 = JSON.parse((await cli(['list', '--severity', 'P1', '--json'])).stdout) as typeof rows;
    expect(p1.some((r) => r.incidentId === id)).toBe(false);
    expect((await cli(['list', '--severity', 'P9'])).code).toBe(2);
  });

  it('refuses invalid approvals at once: unknown step, self-approval by the reporter', async () => {
    const unknown = await cli(['approve', id, 'launch-missiles', '--by', 'bob']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown step "launch-missiles"');
    const self = await cli(['approve', id, 'confirm-partial-outage-handled', '--by', 'alice']);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('may not approve its own remediation');
    expect((await cli(['approve', id, 'confirm-partial-outage-handled'])).code).toBe(2);
  });

  it('ack, note and root-cause are recorded; approve completes the incident', async () => {
    expect((await cli(['ack', id, '--by', 'carol'])).code).toBe(0);
    expect((await cli(['note', id, 'routing traffic to V3', '--by', 'carol'])).code).toBe(0);
    expect((await cli(['root-cause', id, 'legacy cluster lost its GPU pool', '--by', 'carol'])).code).toBe(0);
    const approved = await cli([
      'approve',
      id,
      'confirm-partial-outage-handled',
      '--by',
      'bob',
      '--comment',
      'checked',
    ]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('approved confirm-partial-outage-handled');
    const again = await cli(['approve', id, 'confirm-partial-outage-handled', '--by', 'dave']);
    expect(again.code).toBe(2);
  });

  it('timeline, postmortem and audit read the closed incident; audit comes from history', async () => {
    await h.client.workflow.getHandle(id).result();
    const timeline = JSON.parse((await cli(['timeline', id, '--json'])).stdout) as Array<{
      at: string;
      kind: string;
      message: string;
    }>;
    expect(timeline.some((e) => e.message.includes('Acknowledged by carol'))).toBe(true);
    // For people: the triage round is one line; --raw has every probe on its own line.
    const triageProbes = timeline.filter(
      (e) => e.kind === 'probe' && e.at === timeline.find((t) => t.kind === 'probe')!.at,
    );
    expect(triageProbes.length).toBeGreaterThan(2);
    const digest = (await cli(['timeline', id])).stdout.split('\n');
    const rounds = digest.filter((line) => / probe +Probes: /.test(line));
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatch(
      /^\d\d:\d\d:\d\dZ {2}probe +Probes: legacy_generate[^:]*: HTTP 500 · .*v3_generate[^:·]*: ok/,
    );
    expect(digest.length).toBeLessThan(timeline.length);
    const rawLines = (await cli(['timeline', id, '--raw'])).stdout.trim().split('\n');
    expect(rawLines).toHaveLength(timeline.length);
    const out = join(await mkdtemp(join(tmpdir(), 'pm-')), 'pm.md');
    expect((await cli(['postmortem', id, '--out', out])).code).toBe(0);
    const postmortem = await readFile(out, 'utf8');
    expect(postmortem).toContain('legacy cluster lost its GPU pool');
    expect(postmortem).toContain('**Owner:** @carol');
    const audit = JSON.parse((await cli(['audit', id, '--json'])).stdout) as Array<{
      kind: string;
      who: string | null;
      what: string;
    }>;
    expect(
      audit.find((e) => e.kind === 'update' && e.what.startsWith('approved confirm-partial-outage-handled')),
    ).toMatchObject({ who: 'bob' });
    expect(audit.filter((e) => e.kind === 'signal').map((e) => e.who)).toEqual(['carol', 'carol', 'carol']);
    expect(audit.filter((e) => e.kind === 'probe').length).toBeGreaterThanOrEqual(5);
    expect(audit.at(-1)).toMatchObject({ kind: 'closed', what: 'incident closed: resolved' });
    const closedNote = await cli(['note', id, 'late', '--by', 'carol']);
    expect(closedNote.code).toBe(2);
    expect(closedNote.stderr).toContain('is closed');
  });

  it('cancel reverts and closes; resolve closes by hand', async () => {
    for (const [verb, expected] of [
      ['cancel', 'cancelled'],
      ['resolve', 'resolved'],
    ] as const) {
      const other = `${id}-${verb}`;
      expect((await cli(['start', '--id', other, '--symptom', verb])).code).toBe(0);
      await waitForStatus(other, (s) => s.pendingApprovals.length > 0);
      expect((await cli([verb, other, 'drill over', '--by', 'bob'])).code).toBe(0);
      const result = await h.client.workflow.getHandle<IncidentWorkflow>(other).result();
      expect(result.state).toBe(expected);
    }
  });

  it('says what is wrong: unknown incident, unreachable server, bad flag', async () => {
    const missing = await cli(['status', 'incident-nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no incident incident-nope — run `runbook list');
    const unreachable = await cli(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      'Temporal is not reachable at 127.0.0.1:1 — start it with `runbook dev` or set TEMPORAL_ADDRESS',
    );
    const badFlag = await cli(['timeline', id, '--yaml']);
    expect(badFlag.code).toBe(2);
    const badRef = await cli(['provide-secret', id, 'new-key-reference', '--ref', 'sk-live-123', '--by', 'bob']);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('never the value');
  });
});
