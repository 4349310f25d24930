import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { request } from 'undici';
import { approveSignal, INCIDENT_WORKFLOW_TYPE, statusQuery } from '../../src/contract/index.ts';
import { freePort } from '../../src/infra/ports.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { DRILL_TIMINGS } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { currentVersion } from '../../src/worker/current-version.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'dev-'));
const sim = await startSimulator({ scenario: 'outage-500', latencyScale: 0 });
afterAll(async () => {
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function startDev(
  port: number,
  uiPort: number,
  taskQueue: string,
): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(
    NODE,
    [RUNBOOK_BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDir],
    {
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
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', () => undefined);
  while (!output.includes('Web UI:')) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [null])])) as [
      Buffer | null,
    ];
    if (chunk === null) throw new Error(`runbook dev exited early: ${output}`);
  }
  return { child, output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function pinnedVersion(
  client: Client,
  workflowId: string,
): Promise<{ behavior: string; deploymentName: string; buildId: string }> {
  const info = (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.versioningInfo;
  const behavior = proto.temporal.api.enums.v1.VersioningBehavior[info?.behavior ?? 0] ?? 'unknown';
  return {
    behavior,
    deploymentName: info?.deploymentVersion?.deploymentName ?? '',
    buildId: info?.deploymentVersion?.buildId ?? '',
  };
}

describe('runbook dev: local server + worker with persistent state', () => {
  it('serves the Web UI, and an incident waiting on a signal survives a stop and start', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const taskQueue = uniqueTaskQueue('dev');
    const first = await startDev(port, uiPort, taskQueue);
    expect(first.output).toContain(`Web UI: http://127.0.0.1:${uiPort}`);
    const ui = await request(`http://127.0.0.1:${uiPort}/`);
    expect(ui.statusCode).toBe(200);
    await ui.body.text();
    // The SQLite store runs in WAL mode (journal beside the database), set through --sqlite-pragma.
    expect(existsSync(join(dataDir, 'temporal.sqlite-wal'))).toBe(true);

    let connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    let client = new Client({ connection, namespace: 'default' });
    const workflowId = `${taskQueue}-restart`;
    await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [
        {
          trigger: 'manual',
          reporter: 'alice',
          symptom: 'outage',
          service: 'ideogram-service',
          timings: DRILL_TIMINGS,
        },
      ],
    });
    const waiting = async () => {
      for (;;) {
        const status = await client.workflow.getHandle<IncidentWorkflow>(workflowId).query(statusQuery);
        if (status.pendingApprovals.length > 0) return status;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect((await waiting()).pendingApprovals[0]!.stepId).toBe('enable-fallback');
    // dev makes its own build current, and the incident is pinned to it.
    const pinned = await pinnedVersion(client, workflowId);
    expect(pinned).toMatchObject({ behavior: 'VERSIONING_BEHAVIOR_PINNED', deploymentName: taskQueue });
    expect(pinned.buildId).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{12}$/);
    expect(await currentVersion(client, taskQueue)).toEqual({ deploymentName: taskQueue, buildId: pinned.buildId });
    await connection.close();
    expect(await stop(first.child)).toBe(0);

    const second = await startDev(port, uiPort, taskQueue);
    connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    client = new Client({ connection, namespace: 'default' });
    try {
      const handle = client.workflow.getHandle<IncidentWorkflow>(workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The same workflow code is the same build: the restarted worker serves the incident pinned to it.
      expect(await currentVersion(client, taskQueue)).toEqual({ deploymentName: taskQueue, buildId: pinned.buildId });
      await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      // After the restart it monitors the outage on timers, then asks to turn fallback off.
      for (;;) {
        const status = await handle.query(statusQuery);
        if (status.pendingApprovals.some((a) => a.stepId === 'disable-fallback')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
      const result = await handle.result();
      expect(result.state).toBe('resolved');
      expect(result.timeline.some((e) => e.message.startsWith('real check'))).toBe(true);
    } finally {
      await connection.close();
      await stop(second.child);
    }
  }, 120_000);
});
