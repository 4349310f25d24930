import { catalogFor, simulatorService } from '../support/catalog.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, INCIDENT_WORKFLOW_TYPE, statusQuery, type IncidentStatus } from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { waitForQuiet } from './support/chaos.ts';
import { DRILL_TIMINGS, sharedBundle } from '../support/incident-harness.ts';
import { connectTestClient, temporalAddress, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';
import { exportHistories, searchableHistoryText } from './support/histories.ts';
import type { Client } from '@temporalio/client';
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const WORKER_SCRIPT = fileURLToPath(new URL('./support/worker-process.ts', import.meta.url));
/** Unique per run: only the worker process knows it; the histories are searched for it. */
const API_KEY = `sk-restart-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

const OUTAGE = [
  {
    name: 'outage',
    legacy: { status: 503, body: { error: 'Service Unavailable' } },
    v3: { status: 503, body: { error: 'Service Unavailable' } },
    statusPage: { indicator: 'major' as const },
  },
];

let dir: string;
let sim: RunningSimulator;
let client: Client;
let closeClient: () => Promise<void>;
let bundlePath: string;
const taskQueue = uniqueTaskQueue('restart');
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'worker-restart-'));
  bundlePath = join(dir, 'workflows.js');
  await writeFile(bundlePath, await sharedBundle());
  sim = await startSimulator({ phases: OUTAGE, latencyScale: 0 });
  ({ client, close: closeClient } = await connectTestClient());
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await closeClient();
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the worker child and resolves once it polls. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(NODE, [WORKER_SCRIPT], {
    env: {
      ...process.env,
      WORKER_DIR: dir,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: temporalNamespace(),
      TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE: bundlePath,
      RESTART_TEST_API_KEY: API_KEY,
      WORKER_CATALOG: catalogFor({
        trigger: 'drill',
        reporter: 'alice',
        service: simulatorService(sim, 'RESTART_TEST_API_KEY'),
        policy: { timeoutMs: 600_000 },
      }).catalogJson,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready: ${stderr.slice(-2000)}`)),
    );
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
}

async function waitFor(
  handle: IncidentHandle,
  predicate: (s: IncidentStatus) => boolean,
  what: string,
): Promise<IncidentStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query(statusQuery).catch(() => null);
    if (status && predicate(status)) return status;
    if (Date.now() > deadline) {
      const history = await handle.fetchHistory();
      const tail = (history.events ?? [])
        .slice(-8)
        .map(
          (e) =>
            `${String(e.eventType)} ${JSON.stringify(e.activityTaskScheduledEventAttributes?.activityType ?? e.timerStartedEventAttributes?.startToFireTimeout ?? '')}`,
        );
      throw new Error(`timed out waiting for ${what}; state ${status?.state}; last events:\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pending = (stepId: string) => (s: IncidentStatus) => s.pendingApprovals.some((a) => a.stepId === stepId);

describe('SIGKILL of the worker process (dev server, real activities, simulator, record-only target)', () => {
  it('survives a kill while awaiting approval and a kill while monitoring; no change is applied twice', async () => {
    let worker = await startWorker();
    const handle = await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `incident-restart-${taskQueue}`,
      args: [
        {
          trigger: 'drill',
          reporter: 'alice',
          symptom: 'generation fails',
          service: 'ideogram-service',
          // Slow polls: the kill lands between probes, not inside one (which would wait out its timeout).
          timings: { ...DRILL_TIMINGS, pollInitialMs: 1_500, pollMaxMs: 1_500 },
          drill: true,
        },
      ],
    });

    await waitFor(handle, pending('enable-fallback'), 'the fallback approval request');
    await waitForQuiet(handle);
    await kill(worker);
    worker = await startWorker();
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });

    await waitFor(handle, (s) => s.state === 'monitoring' && (s.monitor?.polls ?? 0) >= 1, 'monitoring');
    await waitForQuiet(handle);
    await kill(worker);
    sim.setScenario('healthy');
    await startWorker();

    await waitFor(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
    const result = await handle.result();

    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(result.mutations.map((m) => [m.step, m.changed])).toEqual([
      ['enable-fallback', true],
      ['restart-for-fallback', true],
      ['restart-after-fallback-1', true],
    ]);
    const applied = (await readFile(join(dir, 'apply.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { mutationId: string; pid: number });
    expect(applied.map((a) => a.mutationId)).toEqual(result.mutations.map((m) => m.id));
    expect(new Set(applied.map((a) => a.pid)).size).toBe(2);

    const cluster = JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as {
      deployments: Record<string, { containers: Array<{ env: Array<{ name: string; value: string }> }> }>;
    };
    expect(cluster.deployments['payments/ideogram-service']!.containers[0]!.env).toEqual([
      { name: 'IDEOGRAM_CONCURRENCY', value: '8' },
    ]);

    for (const run of await exportHistories(client, handle)) {
      const text = searchableHistoryText(run.json);
      expect(text.includes('RESTART_TEST_API_KEY')).toBe(true);
      expect(text.includes(API_KEY), 'the API key leaked into the workflow history').toBe(false);
    }
  }, 180_000);
});
