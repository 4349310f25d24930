/**
 * Kill -9 matrix, the server: `runbook dev` (Temporal dev server on SQLite + worker) is SIGKILLed
 * twice during one incident and started again on the same data dir each time. First the Temporal
 * server itself is SIGKILLed (no chance to flush) while the incident awaits approval, then the
 * `runbook dev` process while the incident monitors (its watchdog must take the server down with
 * it). The incident is still there after each restart and resolves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { approveSignal, INCIDENT_WORKFLOW_TYPE, statusQuery, type IncidentStatus } from '../../src/contract/index.ts';
import { PIDFILE_NAME, readPidfile, type DevPidfile } from '../../src/infra/dev-pidfile.ts';
import { freePort, portInUse } from '../../src/infra/ports.ts';
import { isAlive } from '../../src/infra/processes.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { DRILL_TIMINGS } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'dev-kill-'));
const sim = await startSimulator({
  phases: [{ name: 'outage', legacy: { status: 503 }, v3: { status: 503 }, statusPage: { indicator: 'major' } }],
  latencyScale: 0,
});
const spawned: ChildProcess[] = [];
const serverPids: number[] = [];
afterAll(async () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Dev {
  child: ChildProcess;
  pidfile: DevPidfile;
  client: Client;
  close(): Promise<void>;
}

async function startDev(port: number, taskQueue: string): Promise<Dev> {
  const child = spawn(NODE, [RUNBOOK_BIN, 'dev', '--port', String(port), '--no-ui', '--data-dir', dataDir], {
    env: {
      ...process.env,
      RUNBOOK_TASK_QUEUE: taskQueue,
      RUNBOOK_DATA_DIR: dataDir,
      RUNBOOK_LOG_FORMAT: 'json',
      RUNBOOK_LOG_LEVEL: 'warn',
      IDEOGRAM_API_KEY: TEST_API_KEY,
      TEMPORAL_ADDRESS: '',
      // The worker's catalog (built from these): the simulator is the service under care.
      RUNBOOK_SERVICE_BASE_URL: sim.baseUrl,
      RUNBOOK_STATUS_PAGE_URL: sim.statusPageUrl,
      RUNBOOK_API_HOST: 'localhost',
      RUNBOOK_BATCH_SELECTOR: 'app=batch',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  while (!output.includes('Press Ctrl-C to stop.')) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [null])])) as [
      Buffer | null,
    ];
    if (chunk === null) throw new Error(`runbook dev exited early: ${output}`);
  }
  const pidfile = readPidfile(join(dataDir, PIDFILE_NAME));
  if (!pidfile) throw new Error('runbook dev wrote no pidfile');
  expect(pidfile).toMatchObject({ ownerPid: child.pid, port });
  serverPids.push(pidfile.serverPid);
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  return { child, pidfile, client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}

async function statusOf(
  dev: Dev,
  workflowId: string,
  predicate: (s: IncidentStatus) => boolean,
  what: string,
): Promise<IncidentStatus> {
  const handle = dev.client.workflow.getHandle<IncidentWorkflow>(workflowId);
  return until(what, async () => {
    const status = await handle.query(statusQuery).catch(() => undefined);
    return status && predicate(status) ? status : undefined;
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit').then(() => undefined);

describe('kill -9 of the dev server: a running incident continues on its SQLite data dir', () => {
  it('survives a SIGKILL of the Temporal server while awaiting approval, then a SIGKILL of runbook dev while monitoring', async () => {
    const port = await freePort();
    const taskQueue = uniqueTaskQueue('dev-kill');
    const workflowId = `${taskQueue}-incident`;

    let dev = await startDev(port, taskQueue);
    await dev.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        {
          trigger: 'manual',
          reporter: 'alice',
          symptom: 'outage',
          service: 'ideogram-service',
          timings: { ...DRILL_TIMINGS, confirmIntervalMs: 100, pollInitialMs: 300, pollMaxMs: 300 },
        },
      ],
    });
    await statusOf(
      dev,
      workflowId,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
      'the fallback approval request',
    );

    // 1. The Temporal server dies by SIGKILL: its watchdog exits with it; the owner is killed too.
    await dev.close();
    const first = dev.pidfile;
    process.kill(first.serverPid, 'SIGKILL');
    await until(
      'the killed server and its watchdog to be gone',
      () => !isAlive(first.serverPid) && !isAlive(first.watchdogPid),
    );
    dev.child.kill('SIGKILL');
    await exited(dev.child);
    expect(dev.child.signalCode).toBe('SIGKILL');

    dev = await startDev(port, taskQueue);
    expect(dev.pidfile.serverPid).not.toBe(first.serverPid);
    let handle = dev.client.workflow.getHandle<IncidentWorkflow>(workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const afterServerKill = await handle.query(statusQuery);
    expect(afterServerKill.pendingApprovals.map((a) => a.stepId)).toEqual(['enable-fallback']);
    expect(afterServerKill.cause).toBe('provider_outage');
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
    await statusOf(
      dev,
      workflowId,
      (s) => s.state === 'monitoring' && (s.monitor?.polls ?? 0) >= 1,
      'monitoring with fallback on',
    );

    // 2. `runbook dev` dies by SIGKILL: no handler runs, its watchdog stops the server.
    await dev.close();
    const second = dev.pidfile;
    dev.child.kill('SIGKILL');
    await exited(dev.child);
    expect(dev.child.signalCode).toBe('SIGKILL');
    await until(
      'the watchdog to take the server down',
      () => !isAlive(second.serverPid) && !isAlive(second.watchdogPid),
    );
    await until('the port to be free', async () => !(await portInUse(port)));
    sim.setScenario('healthy');

    dev = await startDev(port, taskQueue);
    try {
      handle = dev.client.workflow.getHandle<IncidentWorkflow>(workflowId);
      const afterDevKill = await handle.query(statusQuery);
      expect(afterDevKill.mutations.map((m) => m.step)).toEqual(['enable-fallback', 'restart-for-fallback']);
      await statusOf(
        dev,
        workflowId,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'disable-fallback'),
        'the disable-fallback approval request',
      );
      await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
      const result = await handle.result();
      expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
      expect(result.mutations.map((m) => [m.step, m.changed])).toEqual([
        ['enable-fallback', true],
        ['restart-for-fallback', true],
        ['restart-after-fallback-1', true],
      ]);
      expect(result.approvals.map((a) => a.stepId)).toEqual(['enable-fallback', 'disable-fallback']);
    } finally {
      await dev.close();
      dev.child.kill('SIGTERM');
      await exited(dev.child);
    }
  }, 120_000);
});
