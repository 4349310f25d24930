/**
 * A real worker for one runbook document on the test Temporal server: the document registered in
 * this process (the worker's), its own simulator profile, a catalog entry and a record-only target.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { ServiceCatalog } from '../../../src/activities/catalog.ts';
import { RecordOnlyTarget } from '../../../src/activities/kubernetes/index.ts';
import { readRunbookDocument } from '../../../src/worker/runbook-documents.ts';
import type { IncidentWorkflow } from '../../../src/app/incident-workflow.ts';
import {
  approveSignal,
  ApprovalPolicySchema,
  INCIDENT_WORKFLOW_TYPE,
  rejectSignal,
  type IncidentResult,
  type IncidentStatus,
  type RunbookDocumentPin,
} from '../../../src/contract/index.ts';
import { registerDocumentRunbook } from '../../../src/runbooks/index.ts';
import { startSimulator, type RunningSimulator, type ScenarioPhase } from '../../../src/simulator/index.ts';
import { createIncidentWorker } from '../../../src/worker/create-worker.ts';
import {
  answerUntilDone,
  DRILL_TIMINGS,
  sharedBundle,
  stopStack,
  waitForStatus,
} from '../../support/incident-harness.ts';
import { TEST_API_KEY } from '../../support/simulator.ts';
import {
  connectTestClient,
  connectWorkerConnection,
  temporalNamespace,
  uniqueTaskQueue,
} from '../../support/temporal.ts';

const KEY_ENV = 'DOCUMENT_TEST_KEY';

/** Registers a document given as an object (a changed copy of a real one) in this process. */
export function registerDocument(doc: Record<string, unknown>): RunbookDocumentPin {
  const reading = readRunbookDocument(stringify(doc));
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems));
  registerDocumentRunbook(reading.pin, { builtin: false });
  return reading.pin;
}

export interface DocumentWorker {
  client: Client;
  taskQueue: string;
  sim: RunningSimulator;
  target: RecordOnlyTarget;
  start(workflowId: string): ReturnType<Client['workflow']['start']>;
  waitFor(handle: IncidentHandle, predicate: (s: IncidentStatus) => boolean, what: string): Promise<IncidentStatus>;
  /** Answers every approval as `decide` says, until the incident ends. */
  answerUntilDone(handle: IncidentHandle, decide?: (stepId: string) => 'approve' | 'reject'): Promise<IncidentResult>;
  close(): Promise<void>;
}

type IncidentHandle = Awaited<ReturnType<DocumentWorker['start']>>;

export async function startDocumentWorker(runbook: string, phases: ScenarioPhase[]): Promise<DocumentWorker> {
  const service = `${runbook}-service`;
  const sim = await startSimulator({ runbook, phases, latencyScale: 0 });
  const catalog = new ServiceCatalog([
    {
      name: service,
      runbook,
      target: {
        baseUrl: sim.baseUrl,
        statusPageUrl: sim.statusPageUrl,
        apiHost: 'localhost',
        apiKeyRef: { kind: 'env', name: KEY_ENV },
        kubernetes: { namespace: 'default', deployment: service },
        settings: {},
      },
      policy: ApprovalPolicySchema.parse({ timeoutMs: 600_000 }),
      allowedSecretRefs: [],
    },
  ]);
  const env = { [KEY_ENV]: TEST_API_KEY };
  const dir = await mkdtemp(join(tmpdir(), 'document-worker-'));
  const target = new RecordOnlyTarget({
    seed: [
      {
        namespace: 'default',
        deployment: service,
        env: {},
        cronJobs: [{ name: 'batch', labels: { 'runbook.dev/batch': 'anthropic' } }],
      },
    ],
  });
  const taskQueue = uniqueTaskQueue(runbook);
  const connection: NativeConnection = await connectWorkerConnection();
  const worker: Worker = await createIncidentWorker({
    connection,
    namespace: temporalNamespace(),
    taskQueue,
    deps: {
      catalog,
      probes: { secrets: { env } },
      kube: { target, clock: () => new Date(), env, rolloutPollMs: 20 },
      notifications: { slackWebhookUrls: [], webhookUrls: [], file: join(dir, 'notifications.jsonl') },
      postmortem: { postmortemDir: join(dir, 'postmortems') },
    },
    workflowBundleCode: await sharedBundle(),
  });
  const running = worker.run();
  const { client, close } = await connectTestClient();
  return {
    client,
    taskQueue,
    sim,
    target,
    start: (workflowId) =>
      client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId,
        args: [{ trigger: 'manual', reporter: 'alice', symptom: 'calls failing', service, timings: DRILL_TIMINGS }],
      }),
    waitFor: (handle, predicate, what) => waitForStatus(handle, predicate, what, 60_000),
    answerUntilDone: (handle, decide = () => 'approve') =>
      answerUntilDone(handle, (pending) =>
        handle.signal(decide(pending.stepId) === 'approve' ? approveSignal : rejectSignal, {
          stepId: pending.stepId,
          by: 'bob',
        }),
      ),
    close: () => stopStack({ worker, running, closeClient: close, connection, sim, dir }),
  };
}
