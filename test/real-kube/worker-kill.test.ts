/**
 * The kill -9 matrix against the REAL kube-apiserver: a worker process SIGKILLed inside
 * applyMutation and inside revertMutation (after its PATCH reached the apiserver, before the
 * activity returned), and one of two workers on the same task queue killed mid-mutation. The
 * worker processes carry a test-only hook (test/e2e/support/chaos-worker-process.ts: PAUSE_IN)
 * that stops the activity right after the write, so the kill lands there deterministically.
 *
 * What "exactly once" means here: the Deployment's `metadata.generation` moves only when its spec
 * or its annotations really change (the apiserver ignores no-op patches), so a whole outage
 * incident moves it by exactly six — prior state recorded, fallback on, restart, fallback off,
 * prior state cleared, restart — whatever was retried on the way; a second PATCH of either
 * change, or a second restart, would make it seven or more.
 */
import { catalogFor } from '../support/catalog.ts';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { approveSignal, INCIDENT_WORKFLOW_TYPE, type IncidentResult } from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import {
  expireInFlight,
  killAllWorkers,
  pending,
  readJsonl,
  sigkill,
  startWorker,
  waitForPause,
  waitForStatus,
  type LoggedActivity,
  type LoggedWrite,
} from '../e2e/support/chaos.ts';
import { DRILL_TIMINGS, sharedBundle } from '../support/incident-harness.ts';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { connectTestClient, uniqueTaskQueue } from '../support/temporal.ts';
import { binaries, bindWorker, startStatusWriter, type StatusWriter } from './support.ts';

const NS = IDEOGRAM.namespace;
const API_KEY_ENV = 'KILL_TEST_IDEOGRAM_API_KEY';
const OUTAGE = [{ name: 'outage', legacy: { status: 503, body: { error: 'Service Unavailable' } }, v3: { status: 503, body: { error: 'Service Unavailable' } }, statusPage: { indicator: 'major' as const } }];
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

function templateWithoutRestart(d: V1Deployment) {
  const template = structuredClone(d.spec!.template);
  delete template.metadata?.annotations?.[RESTARTED_AT];
  if (template.metadata?.annotations && Object.keys(template.metadata.annotations).length === 0) delete template.metadata.annotations;
  return template;
}

const fallbackEnv = (d: V1Deployment) => d.spec!.template.spec!.containers.map((c) => c.env?.find((e) => e.name === 'IDEOGRAM_FALLBACK')?.value ?? null);

describe.runIf(binaries !== undefined)('SIGKILL of a worker mid-mutation, real kube-apiserver', () => {
  let kube: RealKube;
  let statusWriter: StatusWriter;
  let kubeconfig: string;
  let apps: AppsV1Api;
  let sim: RunningSimulator;
  let client: Client;
  let closeClient: () => Promise<void>;
  let root: string;
  let bundlePath: string;

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    ({ kubeconfig } = await bindWorker(kube));
    await seedIdeogramThroughApi(kube.kubeconfigPath);
    statusWriter = startStatusWriter(kube);
    await statusWriter.caughtUp();
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    apps = kc.makeApiClient(AppsV1Api);
    root = await mkdtemp(join(tmpdir(), 'worker-kill-'));
    bundlePath = join(root, 'workflows.js');
    await writeFile(bundlePath, await sharedBundle());
    sim = await startSimulator({ phases: OUTAGE, latencyScale: 0 });
    ({ client, close: closeClient } = await connectTestClient());
  }, 180_000);

  afterAll(async () => {
    killAllWorkers();
    await closeClient?.();
    await sim?.stop();
    await statusWriter?.stop();
    await kube?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const readDeployment = () => apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });

  /** One case: its own directory, task queue and incident; the deployment is shared and must end as it began. */
  async function incident(name: string) {
    const dir = await mkdtemp(join(root, `${name}-`));
    const taskQueue = uniqueTaskQueue(`kill-${name}`);
    const draft = catalogFor({
        trigger: 'drill',
        reporter: 'alice',
        symptom: 'generation fails',
        service: {
          name: 'ideogram-service',
          baseUrl: sim.baseUrl,
          statusPageUrl: sim.statusPageUrl,
          apiHost: 'localhost',
          apiKeyRef: { kind: 'env', name: API_KEY_ENV },
          kubernetes: { namespace: NS, deployment: IDEOGRAM.deployment, secretName: IDEOGRAM.secret, secretKey: IDEOGRAM.secretKey, batchSelector: IDEOGRAM.batchSelector },
        },
        policy: { timeoutMs: 600_000 },
        timings: { ...DRILL_TIMINGS, confirmIntervalMs: 100, pollInitialMs: 200, pollMaxMs: 200 },
        drill: true,
      });
    const env = { KUBECONFIG_PATH: kubeconfig, [API_KEY_ENV]: TEST_API_KEY, WORKER_CATALOG: draft.catalogJson };
    const worker = (extra: Record<string, string> = {}) => startWorker({ dir, taskQueue, bundlePath, env: { ...env, ...extra } });
    const start = (): Promise<WorkflowHandle> =>
      client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `incident-${taskQueue}`,
        args: [draft.start],
      });
    return { dir, worker, start };
  }

  /** What every case proves once the incident is over. */
  async function expectAppliedOnceRevertedOnce(result: IncidentResult, dir: string, initial: V1Deployment, options: { killedIn?: 'enable-fallback' | 'restart-for-fallback' }) {
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(result.mutations.map((m) => [m.step, m.op.kind, m.changed, m.mode])).toEqual([
      // `changed` says whether that (last) attempt wrote: a retry finding the killed attempt's change in place did not.
      ['enable-fallback', 'set-env', options.killedIn !== 'enable-fallback', 'applied'],
      ['restart-for-fallback', 'rollout-restart', options.killedIn !== 'restart-for-fallback', 'applied'],
      ['restart-after-fallback-1', 'rollout-restart', true, 'applied'],
    ]);
    const setEnv = result.mutations[0]!;
    // The prior state is what was there before the incident, not what the killed attempt left.
    expect(setEnv.previous).toEqual([
      { container: 'api', previous: null },
      { container: 'worker', previous: null },
    ]);
    expect(setEnv.revertedAt).toBeDefined();

    const after = await readDeployment();
    // prior state saved, fallback on, restart, fallback off, prior state cleared, restart: once each.
    expect(after.metadata!.generation! - initial.metadata!.generation!).toBe(6);
    expect(templateWithoutRestart(after)).toEqual(templateWithoutRestart(initial));
    expect(after.spec!.template.metadata?.annotations?.[RESTARTED_AT]).toBe(result.mutations[2]!.change.replace('restartedAt=', ''));
    expect(after.metadata!.annotations ?? {}).toEqual(initial.metadata!.annotations ?? {});

    const writes = await readJsonl<LoggedWrite>(join(dir, 'writes.jsonl'));
    // The PATCH that turned fallback on was sent once; the retry found it done and sent nothing.
    const fallbackOn = writes.filter((w) => w.method === 'writeEnv' && w.activity === 'applyMutation');
    expect(fallbackOn).toHaveLength(1);
    expect(writes.filter((w) => w.method === 'restart')).toHaveLength(2);
    return writes;
  }

  it('killed inside applyMutation after the PATCH: the retry on a new worker applies nothing twice and reverts to the true prior state', async () => {
    const initial = await readDeployment();
    expect(fallbackEnv(initial)).toEqual([null, null]);
    const c = await incident('apply');
    const first = await c.worker({ PAUSE_IN: 'applyMutation' });
    sim.setScenario(OUTAGE);
    const handle = await c.start();
    await waitForStatus(handle, pending('enable-fallback'), 'the fallback approval request');
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });

    const paused = await waitForPause(c.dir);
    expect(paused).toMatchObject({ pid: first.pid, activity: 'applyMutation', method: 'writeEnv' });
    // The change reached the apiserver before the kill.
    expect(fallbackEnv(await readDeployment())).toEqual(['true', 'true']);
    await sigkill(first);
    const second = await c.worker();
    expect((await expireInFlight(client, handle)).map((a) => a.activityType)).toContain('applyMutation');

    await waitForStatus(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');
    sim.setScenario('healthy');
    await waitForStatus(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
    const result = (await handle.result()) as IncidentResult;

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, { killedIn: 'enable-fallback' });
    expect(writes.map((w) => [w.method, w.activity, w.pid])).toEqual([
      ['writeEnv', 'applyMutation', first.pid],
      ['restart', 'applyMutation', second.pid],
      ['writeEnv', 'revertMutation', second.pid],
      ['restart', 'applyMutation', second.pid],
    ]);
    const attempts = (await readJsonl<LoggedActivity>(join(c.dir, 'activities.jsonl'))).filter((a) => a.mutationId === paused.mutationId);
    expect(attempts.map((a) => [a.activity, a.attempt, a.pid])).toEqual([
      ['applyMutation', 1, first.pid],
      ['applyMutation', 2, second.pid],
      ['revertMutation', 1, second.pid],
    ]);
  }, 90_000);

  it('killed inside revertMutation after the PATCH: the retry reverts once more as a no-op; the deployment ends as it began', async () => {
    const initial = await readDeployment();
    const c = await incident('revert');
    const first = await c.worker({ PAUSE_IN: 'revertMutation' });
    sim.setScenario(OUTAGE);
    const handle = await c.start();
    await waitForStatus(handle, pending('enable-fallback'), 'the fallback approval request');
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });
    await waitForStatus(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');
    sim.setScenario('healthy');
    await waitForStatus(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });

    const paused = await waitForPause(c.dir);
    expect(paused).toMatchObject({ pid: first.pid, activity: 'revertMutation', method: 'writeEnv' });
    const mid = await readDeployment();
    expect(fallbackEnv(mid)).toEqual([null, null]);
    await sigkill(first);
    const second = await c.worker();
    expect((await expireInFlight(client, handle)).map((a) => a.activityType)).toContain('revertMutation');
    const result = (await handle.result()) as IncidentResult;

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, {});
    expect(writes.map((w) => [w.method, w.activity, w.pid])).toEqual([
      ['writeEnv', 'applyMutation', first.pid],
      ['restart', 'applyMutation', first.pid],
      ['writeEnv', 'revertMutation', first.pid],
      ['writeEnv', 'revertMutation', second.pid],
      ['restart', 'applyMutation', second.pid],
    ]);
    // The retry wrote the recorded prior state again, a no-op for the apiserver: since the kill only
    // clearing the prior-state annotation (the killed attempt never got there) and the last restart
    // moved the generation.
    expect((await readDeployment()).metadata!.generation).toBe(mid.metadata!.generation! + 2);
  }, 90_000);

  it('two workers on one task queue, the one mid-restart killed: the other takes over and finishes; each change applied once, no second restart', async () => {
    const initial = await readDeployment();
    const c = await incident('pair');
    // Both carry the hook (on the restart this time); only the first to reach it pauses (paused.json is created exclusively).
    const hook = { PAUSE_IN: 'applyMutation', PAUSE_METHOD: 'restart' };
    const workers: ChildProcess[] = await Promise.all([c.worker(hook), c.worker(hook)]);
    sim.setScenario(OUTAGE);
    const handle = await c.start();
    await waitForStatus(handle, pending('enable-fallback'), 'the fallback approval request');
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob' });

    const paused = await waitForPause(c.dir);
    expect(paused).toMatchObject({ activity: 'applyMutation', method: 'restart' });
    const restartedBeforeKill = (await readDeployment()).spec!.template.metadata?.annotations?.[RESTARTED_AT];
    expect(restartedBeforeKill).toBeDefined();
    expect(restartedBeforeKill).not.toBe(initial.spec!.template.metadata?.annotations?.[RESTARTED_AT]);
    const victim = workers.find((w) => w.pid === paused.pid)!;
    const survivor = workers.find((w) => w.pid !== paused.pid)!;
    expect(victim).toBeDefined();
    await sigkill(victim);
    await expireInFlight(client, handle);

    await waitForStatus(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');
    sim.setScenario('healthy');
    await waitForStatus(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
    const result = (await handle.result()) as IncidentResult;

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, { killedIn: 'restart-for-fallback' });
    // The retried restart found the killed attempt's annotation and did not restart again.
    expect(result.mutations[1]!.change).toBe(`restartedAt=${restartedBeforeKill}`);
    expect(writes.map((w) => w.method)).toEqual(['writeEnv', 'restart', 'writeEnv', 'restart']);
    // Whoever did the first writes, everything after the kill was done by the survivor, still the same process.
    expect(writes[1]).toMatchObject({ method: 'restart', pid: victim.pid });
    expect(writes.slice(2).every((w) => w.pid === survivor.pid)).toBe(true);
    expect(survivor.exitCode).toBeNull();
  }, 90_000);
});
