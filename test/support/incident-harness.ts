import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { ServiceCatalog } from '../../src/activities/catalog.ts';
import { simulatorService } from './catalog.ts';
import { RecordOnlyTarget, type RemediationTarget } from '../../src/activities/kubernetes/index.ts';
import type { ActivityDeps } from '../../src/activities/index.ts';
import {
  approveSignal,
  provideSecretRefSignal,
  INCIDENT_WORKFLOW_TYPE,
  statusQuery,
  ApprovalPolicySchema,
  type IncidentInputDraft,
  type IncidentResult,
  type IncidentStart,
  type IncidentStatus,
  type NotificationMessage,
} from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator, type ScenarioPhase } from '../../src/simulator/index.ts';
import { createIncidentWorker } from '../../src/worker/create-worker.ts';
import { sharedBundle } from './workflow-bundle.ts';
import { TEST_API_KEY } from './simulator.ts';
import { connectTestClient, connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from './temporal.ts';
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';

export { sharedBundle };

export const API_KEY_ENV = 'HARNESS_IDEOGRAM_API_KEY';

/** Seconds-scale timings: the whole runbook in a test. */
export const DRILL_TIMINGS = {
  slaMs: { P1: 600_000, P2: 600_000, P3: 600_000, P4: 600_000 },
  escalationEveryMs: 600_000,
  updateEveryMs: { P1: 600_000, P2: 600_000, P3: 600_000, P4: null },
  pollInitialMs: 50,
  pollMaxMs: 200,
  pollBackoff: 1.5,
  healthyChecksRequired: 3,
  rolloutTimeoutMs: 5_000,
  pollsPerRun: 100,
  probeTimeoutMs: 2_000,
  realCheckEveryMs: 500,
  confirmRounds: 2,
  confirmIntervalMs: 50,
};

export interface Harness {
  client: Client;
  taskQueue: string;
  /** The worker's connection: a client on it can start incidents eagerly (requestEagerStart). */
  workerConnection: NativeConnection;
  sim: RunningSimulator;
  target: RemediationTarget;
  dir: string;
  notifications(): Promise<NotificationMessage[]>;
  input(overrides?: Partial<IncidentInputDraft>): IncidentInputDraft;
  /** The start request for `input(overrides)`, its service registered in the worker's catalog. */
  startRequest(overrides?: Partial<IncidentInputDraft>): IncidentStart;
  start(overrides?: Partial<IncidentInputDraft>, workflowId?: string): Promise<IncidentHandle>;
  waitFor(handle: IncidentHandle, predicate: (s: IncidentStatus) => boolean, what: string): Promise<IncidentStatus>;
  approveWhenAsked(handle: IncidentHandle, by?: string): Promise<IncidentResult>;
  /** With `deferWorker`: the worker starts polling now (once). */
  startWorker(): void;
  /** Shuts the worker down now, for good: from then on nothing answers a query. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** Polls the incident's status until `predicate` holds (or fails after `timeoutMs`). */
export async function waitForStatus(
  handle: IncidentHandle,
  predicate: (s: IncidentStatus) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<IncidentStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Answers every pending approval once (as `answer` says) until the incident ends; its result. */
export async function answerUntilDone(
  handle: IncidentHandle,
  answer: (pending: IncidentStatus['pendingApprovals'][number]) => Promise<void>,
): Promise<IncidentResult> {
  // Keyed by request time too: a step asked again (after a relapse, a re-triage) is a new question.
  const answered = new Set<string>();
  for (;;) {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return handle.result();
    const status = await handle.query(statusQuery).catch(() => null);
    for (const pending of status?.pendingApprovals ?? []) {
      const question = `${pending.stepId}@${pending.requestedAt}`;
      if (answered.has(question)) continue;
      answered.add(question);
      await answer(pending);
    }
    // Not tighter: with many incidents, the queries themselves would compete with the workflow tasks.
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Stops what a test started, in order: the worker (if it ran), the client, the connection, the simulator, the files. */
export async function stopStack(stack: {
  worker: Worker;
  running: Promise<void> | undefined;
  closeClient: () => Promise<void>;
  connection: NativeConnection;
  sim: RunningSimulator;
  dir: string;
}): Promise<void> {
  if (stack.running) {
    stack.worker.shutdown();
    await stack.running;
  }
  await stack.closeClient();
  await stack.connection.close();
  await stack.sim.stop();
  await rm(stack.dir, { recursive: true, force: true });
}

export async function startHarness(
  options: {
    scenario?: string;
    phases?: ScenarioPhase[];
    target?: RemediationTarget;
    deps?: Partial<ActivityDeps>;
    inflightLimit?: number;
    /** No worker polls until `startWorker()`: incidents started before wait in the task queue. */
    deferWorker?: boolean;
    /** Replaces timings of DRILL_TIMINGS in every start request. */
    timings?: Partial<typeof DRILL_TIMINGS>;
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'incident-'));
  const sim = await startSimulator({
    scenario: options.scenario,
    phases: options.phases,
    latencyScale: 0,
    inflightLimit: options.inflightLimit,
  });
  const target =
    options.target ??
    new RecordOnlyTarget({
      seed: [
        {
          namespace: 'payments',
          deployment: 'ideogram-service',
          containers: ['api', 'worker'],
          env: { IDEOGRAM_CONCURRENCY: '8', LOG_LEVEL: 'info' },
          cronJobs: [
            { name: 'nightly-batch', labels: { 'runbook.dev/batch': 'ideogram' } },
            { name: 'weekly-batch', labels: { 'runbook.dev/batch': 'ideogram' }, suspended: true },
          ],
        },
      ],
    });
  const env = { [API_KEY_ENV]: TEST_API_KEY, NEW_IDEOGRAM_KEY: 'sk-new-6a1b2c3d4e5f' };
  const notifyFile = join(dir, 'notifications.jsonl');
  const catalog = options.deps?.catalog ?? new ServiceCatalog([]);
  const deps: ActivityDeps = {
    catalog,
    probes: { secrets: { env } },
    kube: { target, clock: () => new Date(), env, rolloutPollMs: 20 },
    notifications: { slackWebhookUrls: [], webhookUrls: [], file: notifyFile },
    postmortem: { postmortemDir: join(dir, 'postmortems') },
    ...options.deps,
  };
  const taskQueue = uniqueTaskQueue('incident');
  const connection: NativeConnection = await connectWorkerConnection();
  const worker: Worker = await createIncidentWorker({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    deps,
    workflowBundleCode: await sharedBundle(),
  });
  let running: Promise<void> | undefined;
  let stopped = false;
  const startWorker = () => {
    running ??= worker.run();
  };
  const stopWorker = async () => {
    if (running && !stopped) {
      stopped = true;
      worker.shutdown();
      await running;
    }
  };
  if (!options.deferWorker) startWorker();
  const { client, close } = await connectTestClient();

  const input = (overrides: Partial<IncidentInputDraft> = {}): IncidentInputDraft => ({
    runbook: 'ideogram',
    trigger: 'drill',
    reporter: 'alice',
    symptom: 'image generation failing',
    service: simulatorService(sim, API_KEY_ENV),
    policy: { timeoutMs: 600_000 },
    timings: { ...DRILL_TIMINGS, ...options.timings },
    drill: true,
    ...overrides,
  });

  // Tests describe a service and policy inline; the worker only knows what its catalog says, so
  // each distinct one is registered there (the first under its own name) and started by name.
  const registered = new Map<string, string>();
  const startRequest = (overrides: Partial<IncidentInputDraft> = {}): IncidentStart => {
    const draft = input(overrides);
    const { service, policy, billedProbeBudget, billedProbesPerHour, ...request } = draft;
    const key = JSON.stringify({ service, policy, billedProbeBudget, billedProbesPerHour });
    let name = registered.get(key);
    if (!name) {
      name = registered.size === 0 ? service.name : `${service.name}-${registered.size + 1}`;
      registered.set(key, name);
      const { name: _ignored, ...target } = service;
      catalog.add({
        name,
        runbook: draft.runbook ?? 'ideogram',
        target,
        policy: ApprovalPolicySchema.parse(policy ?? {}),
        billedProbeBudget,
        billedProbesPerHour,
        allowedSecretRefs: ['env:NEW_*'],
      });
    }
    return { ...request, service: name };
  };
  startRequest();

  const harness: Harness = {
    client,
    taskQueue,
    workerConnection: connection,
    sim,
    target,
    dir,
    input,
    startRequest,
    async notifications() {
      const text = await readFile(notifyFile, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as NotificationMessage);
    },
    async start(overrides = {}, workflowId = `${taskQueue}-incident`) {
      return client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [startRequest(overrides)],
      });
    },
    waitFor: (handle, predicate, what) => waitForStatus(handle, predicate, what),
    approveWhenAsked: (handle, by = 'bob') =>
      answerUntilDone(handle, (pending) =>
        pending.stepId === 'new-key-reference'
          ? handle.signal(provideSecretRefSignal, {
              by,
              stepId: pending.stepId,
              ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
            })
          : handle.signal(approveSignal, { stepId: pending.stepId, by }),
      ),
    startWorker,
    stopWorker,
    close: () =>
      stopStack({ worker, running: stopped ? undefined : running, closeClient: close, connection, sim, dir }),
  };
  return harness;
}

/** The environment a `runbook` process needs to drive incidents on this harness's worker and simulator. */
export function cliEnvironment(h: Harness, temporalAddress: string): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    RUNBOOK_TASK_QUEUE: h.taskQueue,
    RUNBOOK_SERVICE_BASE_URL: h.sim.baseUrl,
    RUNBOOK_STATUS_PAGE_URL: h.sim.statusPageUrl,
    RUNBOOK_API_KEY_REF: `env:${API_KEY_ENV}`,
    RUNBOOK_K8S_NAMESPACE: 'payments',
    USER: 'alice',
  };
}
