import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_WORKFLOW_TYPE, noteSignal, statusQuery, timelineQuery } from '../../src/contract/index.ts';
import { runCli } from '../support/cli.ts';
import { cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.ts';
import { ROWS, type Row } from './bad-input.rows.ts';
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';

const STEP = 'confirm-partial-outage-handled';

let h: Harness;
let env: NodeJS.ProcessEnv;
let live: IncidentHandle;
let idle: IncidentHandle;
let idleQueue: string;
let idleHistory: number;
/** A resolved incident whose worker has been shut down. */
let closedId: string;

beforeAll(async () => {
  // A resolved incident first, then its worker goes away for good.
  const finished = await startHarness({ scenario: 'healthy' });
  closedId = `bad-input-closed-${randomUUID()}`;
  const result = await finished.client.workflow.execute<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue: finished.taskQueue,
    workflowId: closedId,
    args: [finished.startRequest({ symptom: 'all fine' })],
  });
  // A false alarm ends `closed`: nothing was wrong, so nothing was resolved.
  expect(result.state).toBe('closed');
  await finished.close();

  h = await startHarness({ scenario: 'partial-outage' });
  env = cliEnvironment(h, temporalAddress());
  live = await h.start({ reporter: 'alice' }, `bad-input-live-${randomUUID()}`);
  await h.waitFor(live, (s) => s.pendingApprovals.some((a) => a.stepId === STEP), `${STEP} pending`);
  // Started on a queue no worker ever polls.
  idleQueue = uniqueTaskQueue('idle');
  idle = await h.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue: idleQueue,
    workflowId: `bad-input-idle-${randomUUID()}`,
    args: [h.startRequest()],
  });
  idleHistory = (await idle.describe()).historyLength;
}, 180_000);
afterAll(() => h?.close());

function fill(text: string): string {
  return text
    .replaceAll('{live}', live.workflowId)
    .replaceAll('{idle}', idle.workflowId)
    .replaceAll('{idleQueue}', idleQueue);
}

/** Signals are handled in order: once this note is on the timeline, every earlier signal is too. */
async function settledTimeline(): Promise<string[]> {
  const sentinel = `sentinel-${randomUUID()}`;
  await live.signal(noteSignal, { by: 'checker', text: sentinel });
  for (;;) {
    const messages = (await live.query(timelineQuery)).map((e) => e.message);
    if (messages.some((m) => m.includes(sentinel))) return messages;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function assertNothingChanged(row: Row, args: string[]): Promise<void> {
  switch (row.effect) {
    case 'nothing-started': {
      const id = args[args.indexOf('--id') + 1]!;
      await expect(h.client.workflow.getHandle<IncidentWorkflow>(id).describe()).rejects.toThrow();
      return;
    }
    case 'live-unchanged': {
      const messages = await settledTimeline();
      expect(messages.filter((m) => m.includes(row.marker!))).toEqual([]);
      expect((await live.query(statusQuery)).pendingApprovals.map((a) => a.stepId)).toContain(STEP);
      return;
    }
    case 'idle-unchanged':
      expect((await idle.describe()).historyLength).toBe(idleHistory);
      return;
    case 'offline':
      return;
  }
}

describe('bad input is refused with its exit code and a message, and changes nothing (real processes)', () => {
  it('has a table of at least 60 rows', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ROWS.map((r) => r.name)).size).toBe(ROWS.length);
  });

  describe.concurrent('rows', () => {
    it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
      const args = row.args.map(fill);
      if (args[0] === 'start' && !args.includes('--id')) args.push('--id', `bad-input-${randomUUID()}`);
      const rowEnv = Object.fromEntries(
        Object.entries(row.env ?? {}).map(([k, v]) => [k, v === undefined ? v : fill(v)]),
      );
      const run = await runCli(args, { env: { ...env, ...rowEnv }, timeoutMs: 30_000 });
      const context = `runbook ${args.join(' ').slice(0, 200)}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
      expect(run.code, context).toBe(row.code);
      expect(run.stderr, context).toContain(fill(row.says));
      // Whatever was typed, nothing raw reaches the terminal: no ESC, no BEL.
      expect(run.stderr).not.toContain('\u001b');
      expect(run.stderr).not.toContain('\u0007');
      if (row.secret) expect(`${run.stdout}${run.stderr}`).not.toContain(row.secret);
      await assertNothingChanged(row, args);
    });
  });
});

describe('reading and signalling without a worker', () => {
  it('status, timeline and postmortem of a closed incident come from its history, with no worker anywhere', async () => {
    const cli = (args: string[]) => runCli(args, { env, timeoutMs: 20_000 });
    const [status, timeline, postmortem] = await Promise.all([
      cli(['status', closedId, '--json']),
      cli(['timeline', closedId]),
      cli(['postmortem', closedId]),
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ incidentId: closedId, state: 'closed', pendingApprovals: [] });
    expect(timeline.code, timeline.stderr).toBe(0);
    expect(timeline.stdout).toContain('closed: False alarm');
    expect(postmortem.code, postmortem.stderr).toBe(0);
    expect(postmortem.stdout).toContain('### Timeline');
  });

  it('a signal to an incident without a worker is recorded, with a warning that nothing acts on it yet', async () => {
    const other = await h.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue: idleQueue,
      workflowId: `bad-input-idle-note-${randomUUID()}`,
      args: [h.startRequest()],
    });
    const before = (await other.describe()).historyLength;
    const run = await runCli(['note', other.workflowId, 'anyone there?', '--by', 'carol'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`no worker is polling task queue "${idleQueue}"`);
    expect((await other.describe()).historyLength).toBeGreaterThan(before);
  });
});
