import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { workflowPollers } from '../../src/app/workers.ts';
import { resolveTemporalBinary } from '../../src/infra/temporal-binary.ts';
import { bundleIncidentWorkflows } from '../../src/infra/workflow-bundle.ts';
import { createIncidentWorker } from '../../src/worker/create-worker.ts';
import { currentVersion, makeCurrentVersion } from '../../src/worker/current-version.ts';
import { deploymentNameOf } from '../../src/worker/deployment.ts';
import { finishSignal, stepUpdate, type Step, type versionedWorkflow } from '../fixtures/workflows/versioned.ts';
import {
  connectTestClient,
  connectWorkerConnection,
  temporalAddress,
  temporalNamespace,
  uniqueTaskQueue,
} from '../support/temporal.ts';

const { VersioningBehavior } = proto.temporal.api.enums.v1;
const WORKFLOWS = fileURLToPath(new URL('../fixtures/workflows/versioned.ts', import.meta.url));
const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

const taskQueue = uniqueTaskQueue('versioning');
const deploymentName = deploymentNameOf({ RUNBOOK_TASK_QUEUE: taskQueue, RUNBOOK_DEPLOYMENT_NAME: undefined });
const A: WorkerDeploymentVersion = { deploymentName, buildId: 'build-a' };
const B: WorkerDeploymentVersion = { deploymentName, buildId: 'build-b' };

let client: Client;
let closeClient: () => Promise<void>;
let connection: NativeConnection;
let code: string;
const running: Array<{ worker: Worker; done: Promise<void> }> = [];

beforeAll(async () => {
  ({ client, close: closeClient } = await connectTestClient());
  connection = await connectWorkerConnection();
  code = await bundleIncidentWorkflows({ workflowsPath: WORKFLOWS, logger: quiet });
});

afterAll(async () => {
  for (const { worker } of running) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.all(running.map(({ done }) => done));
  await connection?.close();
  await closeClient?.();
});

/** A versioned worker of the engine (the production construction), whose activity names it. */
async function startWorker(version: WorkerDeploymentVersion, name: string): Promise<Worker> {
  const worker = await createIncidentWorker({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    deps: {} as never,
    activities: { whichWorker: async () => name },
    workflowBundleCode: code,
    deployment: version,
  });
  running.push({ worker, done: worker.run() });
  return worker;
}

async function versioningOf(
  handle: WorkflowHandle,
): Promise<{ behavior: number | null; buildId: string | null; runId: string }> {
  const { raw, runId } = await handle.describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: info?.behavior ?? null, buildId: info?.deploymentVersion?.buildId ?? null, runId };
}

/** The open incidents pinned to a version, as an operator lists them before retiring its workers. */
async function pinnedTo(version: WorkerDeploymentVersion): Promise<string[]> {
  const ids: string[] = [];
  const query = `TemporalWorkerDeploymentVersion = '${version.deploymentName}:${version.buildId}' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

/** A step as the worker of build A or B takes it. */
const on = (build: 'A' | 'B', run: Step['run'] = 'first'): Step => ({
  worker: `worker ${build}`,
  buildId: `build-${build.toLowerCase()}`,
  run,
});

/** The operator's move of a running incident onto another build (docs/upgrades.md), with the project's own CLI. */
async function moveTo(version: WorkerDeploymentVersion, workflowId: string): Promise<void> {
  const cli = resolveTemporalBinary('cli');
  if (!cli) throw new Error('no temporal CLI: run npm run setup');
  await promisify(execFile)(cli.path, [
    'workflow',
    'update-options',
    '--address',
    temporalAddress(),
    '--namespace',
    temporalNamespace(),
    '--workflow-id',
    workflowId,
    '--versioning-override-behavior',
    'pinned',
    '--versioning-override-deployment-name',
    version.deploymentName,
    '--versioning-override-build-id',
    version.buildId,
  ]);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  // Visibility lags the execution: the list is read again until it shows the change (or the test times out).
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Worker Versioning on the dev server: an incident finishes on the build it started on', () => {
  it('keeps an incident started on build A on A (across continue-as-new) while new incidents start on B once B is current; an operator can move one to B', async () => {
    await startWorker(A, 'worker A');
    expect(await makeCurrentVersion(client, A, { onlyIfNone: true, taskQueue })).toEqual({ outcome: 'made-current' });
    const first = await client.workflow.start<typeof versionedWorkflow>('versionedWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-first`,
      args: [null],
    });
    expect(await first.executeUpdate(stepUpdate)).toEqual(on('A'));
    expect(await versioningOf(first)).toMatchObject({
      behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
      buildId: 'build-a',
    });
    // A second incident on A: the one an operator moves (a patch that must reach running incidents).
    const moved = await client.workflow.start<typeof versionedWorkflow>('versionedWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-moved`,
      args: [null],
    });
    expect(await moved.executeUpdate(stepUpdate)).toEqual(on('A'));
    // CLI commands look for a polling worker before they send an update: a versioned one counts.
    expect(await workflowPollers(client, taskQueue)).toBeGreaterThan(0);

    // The deploy: build B starts beside A, and a worker not told to take over leaves A current.
    await startWorker(B, 'worker B');
    expect(await makeCurrentVersion(client, B, { onlyIfNone: true, taskQueue })).toEqual({
      outcome: 'left',
      current: A,
    });
    expect(await makeCurrentVersion(client, B, { onlyIfNone: false, taskQueue })).toEqual({ outcome: 'made-current' });
    expect(await currentVersion(client, deploymentName)).toEqual(B);

    const second = await client.workflow.start<typeof versionedWorkflow>('versionedWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-second`,
      args: [null],
    });
    expect(await second.executeUpdate(stepUpdate)).toEqual(on('B'));
    // The incident started on A is still processed by A, though B is current and polling.
    expect(await first.executeUpdate(stepUpdate)).toEqual(on('A'));
    expect(
      await eventually(
        () => pinnedTo(A),
        (ids) => ids.length === 2,
      ),
    ).toEqual([first.workflowId, moved.workflowId].sort());
    expect(
      await eventually(
        () => pinnedTo(B),
        (ids) => ids.length === 1,
      ),
    ).toEqual([second.workflowId]);

    // Moved onto B, the incident's next steps (and its continue-as-new) run there.
    await moveTo(B, moved.workflowId);
    expect(await moved.executeUpdate(stepUpdate)).toEqual(on('B'));
    await moved.signal(finishSignal);
    expect(await moved.result()).toEqual([on('A'), on('B'), on('B'), on('B', 'continued')]);

    await first.signal(finishSignal);
    await second.signal(finishSignal);
    expect(await first.result()).toEqual([on('A'), on('A'), on('A'), on('A', 'continued')]);
    expect(await second.result()).toEqual([on('B'), on('B'), on('B', 'continued')]);
    // The continued run is a run of its own, pinned to the build its incident started on.
    const finalFirst = await versioningOf(first);
    expect(finalFirst.runId).not.toBe(first.firstExecutionRunId);
    expect(finalFirst).toMatchObject({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'build-a' });
    expect(await versioningOf(second)).toMatchObject({
      behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
      buildId: 'build-b',
    });
    // Nothing is left pinned to A: its workers may go.
    expect(
      await eventually(
        () => pinnedTo(A),
        (ids) => ids.length === 0,
      ),
    ).toEqual([]);
  });
});
