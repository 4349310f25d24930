/**
 * The production topology, run for real: PostgreSQL, the real Temporal server binary configured
 * as its container image is (test/foundation/docker-compose.test.ts holds the two together), and
 * `runbook worker` processes connected purely through the TEMPORAL_* environment, as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import {
  approveSignal,
  INCIDENT_WORKFLOW_TYPE,
  statusQuery,
  type IncidentResult,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import { findPostgres } from '../../src/infra/prod-topology/postgres.ts';
import { startProductionTopology, type ProductionTopology } from '../../src/infra/prod-topology/index.ts';
import { workerConnectionEnvironment } from '../../src/infra/prod-topology/settings.ts';
import { temporalServerBuilt } from '../../src/infra/prod-topology/temporal-server.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { catalogFor, simulatorService } from '../support/catalog.ts';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { waitForQuiet } from '../e2e/support/chaos.ts';
import { DRILL_TIMINGS, sharedBundle } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';

const available = findPostgres() !== null && temporalServerBuilt();
if (!available) {
  console.warn(
    '\n######## test/prod-topology SKIPPED: ' +
      (findPostgres() ? '' : 'PostgreSQL is not installed (apt-get install postgresql); ') +
      (temporalServerBuilt() ? '' : 'the Temporal server is not built (npm run prod:binaries, needs Go >= 1.26.8)') +
      ' ########\n',
  );
}

const API_KEY_ENV = 'PROD_TEST_IDEOGRAM_API_KEY';
const OUTAGE = [
  { name: 'outage', legacy: { status: 503 }, v3: { status: 503 }, statusPage: { indicator: 'major' as const } },
];
const DEPLOYMENT = 'payments/ideogram-service';

interface ModelFile {
  deployments: Record<
    string,
    { generation: number; containers: Array<{ env: Array<{ name: string; value: string }> }> }
  >;
}

describe.runIf(available)(
  'production topology: Temporal server on PostgreSQL, runbook workers by TEMPORAL_* only',
  () => {
    let topology: ProductionTopology;
    let root: string;
    let sim: RunningSimulator;
    let client: Client;
    let connection: Connection;
    let bundlePath: string;
    let catalogFile: string;
    const workers: ChildProcess[] = [];

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'prod-topology-'));
      // When we are root, PostgreSQL runs as the postgres user: it must be able to reach its data dir.
      await chmod(root, 0o711);
      topology = await startProductionTopology({ dataDir: join(root, 'data') });
      sim = await startSimulator({ phases: OUTAGE, latencyScale: 0 });
      bundlePath = join(root, 'workflows.js');
      await writeFile(bundlePath, await sharedBundle());
      catalogFile = join(root, 'services.json');
      const { entry } = catalogFor({
        trigger: 'drill',
        reporter: 'alice',
        service: simulatorService(sim, API_KEY_ENV),
        policy: { timeoutMs: 600_000 },
        // A real call every second for minutes: the hourly rate of production would pause them mid-test.
        billedProbesPerHour: 100_000,
      });
      await writeFile(catalogFile, JSON.stringify([entry]));
      connection = await Connection.connect({ address: topology.address });
      client = new Client({ connection, namespace: topology.namespace });
    }, 300_000);

    afterAll(async () => {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
      await connection?.close();
      await sim?.stop();
      await topology?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    /** `runbook worker`, configured by environment only; resolves once it polls. */
    async function startWorker(taskQueue: string, dataDir: string): Promise<ChildProcess> {
      const child = spawn(NODE, [RUNBOOK_BIN, 'worker'], {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...workerConnectionEnvironment(topology.address, topology.namespace),
          RUNBOOK_TASK_QUEUE: taskQueue,
          RUNBOOK_SERVICES_FILE: catalogFile,
          RUNBOOK_REMEDIATION_TARGET: 'record-only',
          RUNBOOK_DATA_DIR: dataDir,
          RUNBOOK_WORKFLOW_BUNDLE: bundlePath,
          RUNBOOK_LOG_FORMAT: 'json',
          [API_KEY_ENV]: TEST_API_KEY,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(child);
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('worker started')) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) =>
          reject(new Error(`runbook worker exited (${code}) before it was ready: ${output.slice(-2000)}`)),
        );
      });
      return child;
    }

    async function sigkill(child: ChildProcess): Promise<void> {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }

    /** Tolerates a server that is restarting: queries fail then, and the wait goes on. */
    async function waitFor(
      handle: IncidentHandle,
      predicate: (s: IncidentStatus) => boolean,
      what: string,
      timeoutMs = 90_000,
    ): Promise<IncidentStatus> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const status = await handle.query(statusQuery).catch((err: Error) => err.message);
        if (typeof status !== 'string' && predicate(status)) return status;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const pending = (stepId: string) => (s: IncidentStatus) =>
      s.pendingApprovals.some((a) => a.stepId === stepId && a.outcome === 'pending');
    const start = (taskQueue: string) =>
      client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `incident-${taskQueue}`,
        // Slow polls: kills and restarts land between probes.
        args: [
          {
            trigger: 'drill',
            reporter: 'alice',
            symptom: 'generation fails',
            service: 'ideogram-service',
            timings: { ...DRILL_TIMINGS, pollInitialMs: 1_000, pollMaxMs: 1_000 },
            drill: true,
          },
        ],
      });

    async function model(dataDir: string): Promise<ModelFile> {
      return JSON.parse(await readFile(join(dataDir, 'record-only-cluster.json'), 'utf8')) as ModelFile;
    }

    function expectOutageHandledOnce(result: IncidentResult): void {
      expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
      expect(result.mutations.map((m) => [m.step, m.changed])).toEqual([
        ['enable-fallback', true],
        ['restart-for-fallback', true],
        ['restart-after-fallback-1', true],
      ]);
      expect(result.mutations[0]!.revertedAt).toBeDefined();
    }

    it('two workers on one task queue, one SIGKILLed mid-incident: the other finishes it and each change is applied once', async () => {
      const taskQueue = uniqueTaskQueue('prod-two-workers');
      const dataDir = join(root, 'two-workers');
      const first = await startWorker(taskQueue, dataDir);
      const second = await startWorker(taskQueue, dataDir);
      sim.setScenario(OUTAGE);
      const handle = await start(taskQueue);
      await waitFor(handle, pending('enable-fallback'), 'the fallback approval request');
      await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      await waitFor(
        handle,
        (s) => s.state === 'monitoring' && (s.monitor?.polls ?? 0) >= 1,
        'monitoring with fallback on',
      );
      const during = await model(dataDir);
      expect(
        during.deployments[DEPLOYMENT]!.containers.every((c) =>
          c.env.some((e) => e.name === 'IDEOGRAM_FALLBACK' && e.value === 'true'),
        ),
      ).toBe(true);

      await waitForQuiet(handle);
      await sigkill(first);
      sim.setScenario('healthy');
      // Worst case: the incident was sticky to the killed worker (30 s sticky timeout) and a probe
      // started between the quiet check and the kill (its 90 s start-to-close runs out on the dead
      // worker before the survivor retries it). The wait allows for both.
      await waitFor(
        handle,
        pending('disable-fallback'),
        'the disable-fallback approval request (on the surviving worker)',
        180_000,
      );
      await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
      const result = await handle.result();

      expectOutageHandledOnce(result);
      const after = (await model(dataDir)).deployments[DEPLOYMENT]!;
      expect(after.containers.every((c) => !c.env.some((e) => e.name === 'IDEOGRAM_FALLBACK'))).toBe(true);
      // Fallback on, restart, fallback off, restart: four changes, none repeated by a retry.
      expect(after.generation - during.deployments[DEPLOYMENT]!.generation).toBe(2);
      expect(second.exitCode).toBeNull();
    }, 330_000);

    it('the Temporal server SIGKILLed and restarted mid-monitoring: the incident continues from PostgreSQL and resolves', async () => {
      const taskQueue = uniqueTaskQueue('prod-server-restart');
      const dataDir = join(root, 'server-restart');
      await startWorker(taskQueue, dataDir);
      sim.setScenario(OUTAGE);
      const handle = await start(taskQueue);
      await waitFor(handle, pending('enable-fallback'), 'the fallback approval request');
      await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
      const monitoring = await waitFor(
        handle,
        (s) => s.state === 'monitoring' && (s.monitor?.polls ?? 0) >= 1,
        'monitoring with fallback on',
      );

      await topology.restartServer({ crash: true });
      sim.setScenario('healthy');
      // Worst case: a probe's completion was lost with the server, which retries it only when its
      // 90 s start-to-close runs out. The wait allows for it.
      await waitFor(
        handle,
        pending('disable-fallback'),
        'the disable-fallback approval request after the restart',
        180_000,
      );
      await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
      const result = await handle.result();

      expectOutageHandledOnce(result);
      expect(result.timeline.length).toBeGreaterThan(monitoring.mutations.length);
      const after = (await model(dataDir)).deployments[DEPLOYMENT]!;
      expect(after.containers.every((c) => !c.env.some((e) => e.name === 'IDEOGRAM_FALLBACK'))).toBe(true);
    }, 330_000);
  },
);
