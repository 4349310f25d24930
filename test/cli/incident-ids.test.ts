import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRow } from '../../src/app/incidents.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { INCIDENT_WORKFLOW_TYPE } from '../../src/contract/index.ts';
import { runCli } from '../support/cli.ts';
import { cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalAddress } from '../support/temporal.ts';

/** Incident ids are unique forever: no second incident takes over an earlier one's postmortem or list row. */
let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness({ scenario: 'partial-outage' });
  env = cliEnvironment(h, temporalAddress());
});
afterAll(() => h.close());

const cli = (args: string[]) => runCli(args, { env });
const closed = (id: string, runId?: string) => h.client.workflow.getHandle<IncidentWorkflow>(id, runId).result();

async function rowsOf(id: string, count: number): Promise<IncidentRow[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listed = await cli(['list', '--all', '--json']);
    expect(listed.code).toBe(0);
    const rows = (JSON.parse(listed.stdout) as IncidentRow[]).filter((r) => r.incidentId === id);
    if (rows.length >= count && rows.every((r) => r.closedAt !== null)) return rows;
    if (Date.now() > deadline)
      throw new Error(`list never showed ${count} closed rows for ${id}: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('incident ids are never reused', () => {
  it('refuses a manual start with the id of a closed incident (exit 2), and its postmortem stays as it was', async () => {
    const id = `incident-reuse-${Date.now().toString(36)}`;
    expect((await cli(['start', '--id', id, '--symptom', 'first outage'])).code).toBe(0);
    expect((await cli(['cancel', id, 'false alarm', '--by', 'bob'])).code).toBe(0);
    const first = await closed(id);
    expect(first.state).toBe('cancelled');

    const again = await cli(['start', '--id', id, '--symptom', 'second outage']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `incident id ${id} was already used by an incident that is closed, and ids are never reused`,
    );
    expect(await readFile(first.postmortemPath!, 'utf8')).toContain('**Outcome:** cancelled');
    expect((await rowsOf(id, 1)).map((r) => r.runId)).toEqual([
      (await h.client.workflow.getHandle(id).describe()).runId,
    ]);
  });

  it('gives a symptom seen again the same day a new id instead of refusing it', async () => {
    const symptom = `repeat symptom ${Date.now().toString(36)}`;
    const one = await cli(['start', '--symptom', symptom, '--json']);
    const two = await cli(['start', '--symptom', symptom, '--json']);
    expect([one.code, two.code]).toEqual([0, 0]);
    const [a, b] = [one, two].map((r) => (JSON.parse(r.stdout) as { incidentId: string }).incidentId);
    expect(b).toBe(`${a}-2`);
    for (const id of [a!, b!]) expect((await cli(['cancel', id, 'test over', '--by', 'bob'])).code).toBe(0);
  });

  it('keeps both postmortems and both list rows when Temporal does reuse an id (a start with reuse policy allow duplicate)', async () => {
    const id = `incident-reused-${Date.now().toString(36)}`;
    expect((await cli(['start', '--id', id, '--symptom', 'first outage'])).code).toBe(0);
    expect((await cli(['cancel', id, 'false alarm', '--by', 'bob'])).code).toBe(0);
    const first = await closed(id);
    // A second run on the same id: alert intake never does this, but any client of the namespace may.
    const second = await h.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: id,
      args: [h.startRequest({ symptom: 'second outage' })],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    expect((await cli(['resolve', id, 'fixed', '--by', 'bob'])).code).toBe(0);
    const result = await closed(id, second.firstExecutionRunId);

    expect([first.state, result.state]).toEqual(['cancelled', 'resolved']);
    expect(result.postmortemPath).not.toBe(first.postmortemPath);
    expect(await readFile(first.postmortemPath!, 'utf8')).toContain('**Outcome:** cancelled');
    expect(await readFile(result.postmortemPath!, 'utf8')).toContain('**Outcome:** resolved');
    expect((await readdir(join(h.dir, 'postmortems'))).filter((f) => f.startsWith(id)).sort()).toEqual([
      `${id}.2.md`,
      `${id}.md`,
    ]);

    const rows = await rowsOf(id, 2);
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.runId)).size).toBe(2);
  });
});
