/**
 * The kill -9 matrix against the REAL kube-apiserver: a worker process SIGKILLed inside
 * applyMutation and inside revertMutation (after its PATCH reached the apiserver, before the
 * activity returned), and one of two workers on the same task queue killed mid-mutation. The
 * worker processes carry a test-only hook (test/e2e/support/chaos-worker-process.ts: PAUSE_IN)
 * that stops the activity right after the write, so the kill lands there deterministically.
 *
 * What "exactly once" means here: the Deployment's `metadata.generation` moves only when its spec
 * or its annotations really change (the apiserver ignores no-op patches). An env change and its
 * owner record (annotation `runbook.dev/owners.<hash>`) go out as ONE guarded PATCH
 * (target.updateDeployment), so a whole outage incident moves it by exactly four — fallback on
 * with its owner record, restart, fallback off with the owner record removed, restart — whatever
 * was retried on the way. A retry that re-applied a change (recording the killed attempt's value
 * as the original, or leaving an owner record behind), or a second restart, would make it five or
 * more; a change re-sent with identical content is caught by the write log (each env change must
 * appear in it exactly once).
 */
import { catalogFor, simulatorService } from '../support/catalog.ts';
import { OWNERS_ANNOTATION_PREFIX } from '../../src/activities/kubernetes/ownership.ts';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
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
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';

const NS = IDEOGRAM.namespace;
const API_KEY_ENV = 'KILL_TEST_IDEOGRAM_API_KEY';
const OUTAGE = [
  {
    name: 'outage',
    legacy: { status: 503, body: { error: 'Service Unavailable' } },
    v3: { status: 503, body: { error: 'Service Unavailable' } },
    statusPage: { indicator: 'major' as const },
  },
];
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

function templateWithoutRestart(d: V1Deployment) {
  const template = structuredClone(d.spec!.template);
  delete template.metadata?.annotations?.[RESTARTED_AT];
  if (template.metadata?.annotations && Object.keys(template.metadata.annotations).length === 0)
    delete template.metadata.annotations;
  return template;
}

const FALLBACK_ON = ['api', 'worker'].map((container) => ({
  container,
  name: 'IDEOGRAM_FALLBACK',
  env: { name: 'IDEOGRAM_FALLBACK', value: 'true' },
}));
const FALLBACK_OFF = ['api', 'worker'].map((container) => ({ container, name: 'IDEOGRAM_FALLBACK', env: null }));
const ownerAnnotations = (d: V1Deployment) =>
  Object.keys(d.metadata?.annotations ?? {}).filter((k) => k.startsWith(OWNERS_ANNOTATION_PREFIX));
/** A write as the tests compare it: what, where, by whom, and which env changes it carried (if any). */
const summary = (w: LoggedWrite) => [w.method, w.activity, w.pid, w.edit?.env?.length ?? null];

const fallbackEnv = (d: V1Deployment) =>
  d.spec!.template.spec!.containers.map((c) => c.env?.find((e) => e.name === 'IDEOGRAM_FALLBACK')?.value ?? null);

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
      service: simulatorService(
        sim,
        API_KEY_ENV,
        { namespace: NS, deployment: IDEOGRAM.deployment },
        { secretName: IDEOGRAM.secret, secretKey: IDEOGRAM.secretKey, batchSelector: IDEOGRAM.batchSelector },
      ),
      policy: { timeoutMs: 600_000 },
      timings: { ...DRILL_TIMINGS, confirmIntervalMs: 100, pollInitialMs: 200, pollMaxMs: 200 },
      // Real calls every few hundred milliseconds: the hourly rate of production would pause them mid-test.
      billedProbesPerHour: 100_000,
      drill: true,
    });
    const env = { KUBECONFIG_PATH: kubeconfig, [API_KEY_ENV]: TEST_API_KEY, WORKER_CATALOG: draft.catalogJson };
    const worker = (extra: Record<string, string> = {}) =>
      startWorker({ dir, taskQueue, bundlePath, env: { ...env, ...extra } });
    const start = (): Promise<IncidentHandle> =>
      client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `incident-${taskQueue}`,
        args: [draft.start],
      });
    return { dir, worker, start };
  }

  /** What every case proves once the incident is over. */
  async function expectAppliedOnceRevertedOnce(
    result: IncidentResult,
    dir: string,
    initial: V1Deployment,
    options: { killedIn?: 'enable-fallback' | 'restart-for-fallback' },
  ) {
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
    // Four bumps (see the header): fallback on + owner record (one PATCH), restart, fallback off +
    // owner record removed (one PATCH), restart; a retry's re-PATCH of an unchanged owner record bumps nothing.
    expect(after.metadata!.generation! - initial.metadata!.generation!).toBe(4);
    expect(templateWithoutRestart(after)).toEqual(templateWithoutRestart(initial));
    expect(after.spec!.template.metadata?.annotations?.[RESTARTED_AT]).toBe(
      result.mutations[2]!.change.replace('restartedAt=', ''),
    );
    expect(after.metadata!.annotations ?? {}).toEqual(initial.metadata!.annotations ?? {});
    expect(ownerAnnotations(after)).toEqual([]);

    const writes = await readJsonl<LoggedWrite>(join(dir, 'writes.jsonl'));
    // Only the owner-aware guarded write and the restart.
    expect(new Set(writes.map((w) => w.method))).toEqual(new Set(['updateDeployment', 'restart']));
    // The env change that turned fallback on was sent once (a retry finding it in place sends none),
    // with the owner record it claimed; the revert sent the removal once, releasing that record.
    const fallbackOn = writes.filter(
      (w) => w.method === 'updateDeployment' && w.activity === 'applyMutation' && (w.edit?.env?.length ?? 0) > 0,
    );
    expect(fallbackOn.map((w) => w.edit!.env)).toEqual([FALLBACK_ON]);
    const fallbackOff = writes.filter(
      (w) => w.method === 'updateDeployment' && w.activity === 'revertMutation' && (w.edit?.env?.length ?? 0) > 0,
    );
    expect(fallbackOff.map((w) => w.edit!.env)).toEqual([FALLBACK_OFF]);
    // One owner record per knob, i.e. per container; each claimed with the true original, each released.
    const owners = Object.entries(fallbackOn[0]!.edit!.annotations);
    expect(owners).toHaveLength(2);
    for (const [key, record] of owners) {
      expect(key.startsWith(OWNERS_ANNOTATION_PREFIX)).toBe(true);
      expect(JSON.parse(record!)).toMatchObject({ original: null, holders: [setEnv.id] });
    }
    expect(fallbackOff[0]!.edit!.annotations).toEqual(Object.fromEntries(owners.map(([key]) => [key, null])));
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
    expect(paused).toMatchObject({ pid: first.pid, activity: 'applyMutation', method: 'updateDeployment' });
    // The change, and its owner records (one per container), reached the apiserver before the kill.
    const killedAfter = await readDeployment();
    expect(fallbackEnv(killedAfter)).toEqual(['true', 'true']);
    expect(ownerAnnotations(killedAfter)).toHaveLength(2);
    await sigkill(first);
    const second = await c.worker();
    expect((await expireInFlight(client, handle)).map((a) => a.activityType)).toContain('applyMutation');

    await waitForStatus(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');
    sim.setScenario('healthy');
    await waitForStatus(handle, pending('disable-fallback'), 'the disable-fallback approval request');
    await handle.signal(approveSignal, { stepId: 'disable-fallback', by: 'bob' });
    const result = await handle.result();

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, { killedIn: 'enable-fallback' });
    expect(writes.map(summary)).toEqual([
      ['updateDeployment', 'applyMutation', first.pid, 2],
      // The retry found the fallback on and re-sent only the owner record, unchanged (it already
      // held the knob): a no-op for the apiserver, no env change.
      ['updateDeployment', 'applyMutation', second.pid, 0],
      ['restart', 'applyMutation', second.pid, null],
      ['updateDeployment', 'revertMutation', second.pid, 2],
      ['restart', 'applyMutation', second.pid, null],
    ]);
    expect(writes[1]!.edit!.annotations).toEqual(writes[0]!.edit!.annotations);
    const attempts = (await readJsonl<LoggedActivity>(join(c.dir, 'activities.jsonl'))).filter(
      (a) => a.mutationId === paused.mutationId,
    );
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
    expect(paused).toMatchObject({ pid: first.pid, activity: 'revertMutation', method: 'updateDeployment' });
    // The killed attempt's one write put the fallback off and dropped the owner record together.
    const mid = await readDeployment();
    expect(fallbackEnv(mid)).toEqual([null, null]);
    expect(ownerAnnotations(mid)).toEqual([]);
    await sigkill(first);
    const second = await c.worker();
    expect((await expireInFlight(client, handle)).map((a) => a.activityType)).toContain('revertMutation');
    const result = await handle.result();

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, {});
    // The retried revert held no owner record any more (the killed attempt released it): it wrote nothing.
    expect(writes.map(summary)).toEqual([
      ['updateDeployment', 'applyMutation', first.pid, 2],
      ['restart', 'applyMutation', first.pid, null],
      ['updateDeployment', 'revertMutation', first.pid, 2],
      ['restart', 'applyMutation', second.pid, null],
    ]);
    // ...though it did run, on the new worker.
    const attempts = (await readJsonl<LoggedActivity>(join(c.dir, 'activities.jsonl'))).filter(
      (a) => a.mutationId === paused.mutationId,
    );
    expect(attempts.map((a) => [a.activity, a.attempt, a.pid])).toEqual([
      ['applyMutation', 1, first.pid],
      ['revertMutation', 1, first.pid],
      ['revertMutation', 2, second.pid],
    ]);
    // Since the kill only the last restart moved the generation.
    expect((await readDeployment()).metadata!.generation).toBe(mid.metadata!.generation! + 1);
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
    const result = await handle.result();

    const writes = await expectAppliedOnceRevertedOnce(result, c.dir, initial, { killedIn: 'restart-for-fallback' });
    // The retried restart found the killed attempt's annotation and did not restart again.
    expect(result.mutations[1]!.change).toBe(`restartedAt=${restartedBeforeKill}`);
    expect(writes.map((w) => [w.method, w.edit?.env?.length ?? null])).toEqual([
      ['updateDeployment', 2],
      ['restart', null],
      ['updateDeployment', 2],
      ['restart', null],
    ]);
    // Whoever did the first writes, everything after the kill was done by the survivor, still the same process.
    expect(writes[1]).toMatchObject({ method: 'restart', pid: victim.pid });
    expect(writes.slice(2).every((w) => w.pid === survivor.pid)).toBe(true);
    expect(survivor.exitCode).toBeNull();
  }, 90_000);
});
