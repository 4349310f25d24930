/**
 * Kill -9 matrix, triage: the worker process is SIGKILLed while its probes are in flight (the
 * simulator answers the generate endpoints after 1.5 s, and the test kills the worker the moment
 * the simulator holds an unanswered generate request). A replacement worker runs the retried
 * probes, the incident decides as it would have without the kill, and goes on to resolve.
 * (Kills while awaiting approval and while monitoring: worker-restart.test.ts; mid-mutation and
 * mid-revert against a real kube-apiserver: test/real-kube/worker-kill.test.ts.)
 */
import { catalogFor, simulatorService } from '../support/catalog.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { approveSignal, INCIDENT_WORKFLOW_TYPE } from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { DRILL_TIMINGS, sharedBundle } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { connectTestClient, uniqueTaskQueue } from '../support/temporal.ts';
import {
  expireInFlight,
  killAllWorkers,
  pending,
  pendingActivities,
  readJsonl,
  sigkill,
  startWorker,
  until,
  waitForStatus,
  type LoggedWrite,
} from './support/chaos.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';

const API_KEY_ENV = 'KILL_TEST_IDEOGRAM_API_KEY';
const SLOW_OUTAGE = [
  {
    name: 'slow-outage',
    legacy: { status: 503, body: { error: 'Service Unavailable' }, latencyMs: 1_500 },
    v3: { status: 503, body: { error: 'Service Unavailable' }, latencyMs: 1_500 },
    statusPage: { indicator: 'major' as const },
  },
];

let dir: string;
let bundlePath: string;
let sim: RunningSimulator;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'worker-kill-triage-'));
  bundlePath = join(dir, 'workflows.js');
  await writeFile(bundlePath, await sharedBundle());
  // latencyScale 1: the phase's latencyMs is real time, so a probe is in flight for 1.5 s.
  sim = await startSimulator({ phases: SLOW_OUTAGE, latencyScale: 1 });
  ({ client, close: closeClient } = await connectTestClient());
});

afterAll(async () => {
  killAllWorkers();
  await closeClient?.();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL of the worker process during triage', () => {
  it('a kill while generate probes are in flight: the retried probes run on the new worker and the incident decides provider_outage', async () => {
    const taskQueue = uniqueTaskQueue('kill-triage');
    const draft = catalogFor({
      trigger: 'drill',
      reporter: 'alice',
      symptom: 'generation fails',
      service: simulatorService(sim, API_KEY_ENV),
      policy: { timeoutMs: 600_000 },
      timings: { ...DRILL_TIMINGS, confirmIntervalMs: 100, pollInitialMs: 200, pollMaxMs: 200, probeTimeoutMs: 5_000 },
      // Real calls every few hundred milliseconds: the hourly rate of production would pause them mid-test.
      billedProbesPerHour: 100_000,
      drill: true,
    });
    const env = { [API_KEY_ENV]: TEST_API_KEY, WORKER_CATALOG: draft.catalogJson };
    const first = await startWorker({ dir, taskQueue, bundlePath, env });
    const handle = await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `incident-${taskQueue}`,
      args: [draft.start],
    });

    // The moment: a generate request reached the provider and is not answered yet.
    const inFlight = await until('a generate probe in flight', async () =>
      sim.requests().find((r) => (r.endpoint === 'legacy' || r.endpoint === 'v3') && r.respondedAt === null),
    );
    expect(inFlight.phase).toBe('slow-outage');
    // The triage and its confirmation rounds are one activity (judgeRounds).
    const probes = (await pendingActivities(handle)).filter((a) => a.activityType === 'judgeRounds');
    expect(probes.length).toBeGreaterThan(0);
    await sigkill(first);
    const killedAt = Date.now();
    const second = await startWorker({ dir, taskQueue, bundlePath, env });
    expect((await expireInFlight(client, handle, ['judgeRounds'])).length).toBeGreaterThan(0);

    const decided = await waitForStatus(
      handle,
      pending('enable-fallback'),
      'the decision and its fallback approval request',
    );
    expect(decided).toMatchObject({ cause: 'provider_outage', severity: 'P1', blocker: null });
    // The probes that decided it ran again, on the new worker, after the kill.
    const retried = sim
      .requests()
      .filter((r) => (r.endpoint === 'legacy' || r.endpoint === 'v3') && r.arrivedAt > killedAt);
    expect(retried.length).toBeGreaterThanOrEqual(2);
    const history = await handle.fetchHistory();
    const probeStarts = (history.events ?? []).filter(
      (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
    );
    expect(probeStarts.length).toBeGreaterThan(0);
    expect(probeStarts.every((e) => e.activityTaskStartedEventAttributes!.identity!.startsWith(`${second.pid}@`))).toBe(
      true,
    );

    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
    await waitForStatus(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');
    // Recovered, and fast again (at latencyScale 1 a healthy generate call would take 6–12 s).
    sim.setScenario([
      {
        name: 'recovered',
        legacy: { latencyMs: 0 },
        v3: { latencyMs: 0 },
        statusPage: { latencyMs: 0 },
        images: { latencyMs: 0 },
      },
    ]);
    await waitForStatus(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
    const result = await handle.result();

    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', severity: 'P1' });
    expect(result.causes.map((c) => c.cause)).toEqual(['provider_outage']);
    expect(result.mutations.map((m) => [m.step, m.changed])).toEqual([
      ['enable-fallback', true],
      ['restart-for-fallback', true],
      ['restart-after-fallback-1', true],
    ]);
    const writes = await readJsonl<LoggedWrite>(join(dir, 'writes.jsonl'));
    // Each change went out once, from the new worker: the fallback and its owner record in one
    // guarded write, the restart, the fallback removed with its owner record, the last restart.
    expect(writes.map((w) => [w.method, w.activity, w.pid, w.edit?.env])).toEqual([
      [
        'updateDeployment',
        'applyMutation',
        second.pid,
        [{ container: 'api', name: 'IDEOGRAM_FALLBACK', env: { name: 'IDEOGRAM_FALLBACK', value: 'true' } }],
      ],
      ['restart', 'applyMutation', second.pid, undefined],
      ['updateDeployment', 'revertMutation', second.pid, [{ container: 'api', name: 'IDEOGRAM_FALLBACK', env: null }]],
      ['restart', 'applyMutation', second.pid, undefined],
    ]);
    // The owner record taken with the change is the one released with its revert.
    const [owner] = Object.keys(writes[0]!.edit!.annotations);
    expect(owner).toMatch(/^runbook\.dev\/owners\./);
    expect(writes[2]!.edit!.annotations).toEqual({ [owner!]: null });
  }, 90_000);
});
