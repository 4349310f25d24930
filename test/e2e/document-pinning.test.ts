/**
 * A runbook document changes while an incident that started on it runs: the running incident
 * finishes on the text it pinned, a new incident runs the new version, and both histories replay.
 * Real Temporal dev server, real worker, the document's own simulator profile.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ServiceCatalog } from '../../src/activities/catalog.ts';
import { RecordOnlyTarget } from '../../src/activities/kubernetes/index.ts';
import { readRunbookDocument } from '../../src/app/runbook-documents.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { approveSignal, ApprovalPolicySchema, INCIDENT_WORKFLOW_TYPE, postmortemQuery, statusQuery, SYNTHETIC_CHECK_WORKFLOW_TYPE, type IncidentResult, type IncidentStatus, type SyntheticCheckInput, type SyntheticCheckResult } from '../../src/contract/index.ts';
import { registerDocumentRunbook } from '../../src/runbooks/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { createIncidentWorker } from '../../src/worker/create-worker.ts';
import { DRILL_TIMINGS, sharedBundle } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { historyToJson, maybeRecordHistory, searchableHistoryText } from './support/histories.ts';
import { connectTestClient, connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';

const KEY_ENV = 'PINNED_TEST_KEY';

/** The Anthropic document as runbook `pinned`, with its fallback approval saying which version asks. */
function documentText(version: number): string {
  const doc = anthropicDocument();
  doc.metadata.id = 'pinned';
  doc.metadata.version = version;
  doc.plans.fallback[0].approve.description = `Version ${version} asks: set ANTHROPIC_FALLBACK=true on deployment/{service.deployment}`;
  return stringify(doc);
}

function register(version: number) {
  const reading = readRunbookDocument(documentText(version));
  if (!reading.ok) throw new Error(JSON.stringify(reading.problems));
  registerDocumentRunbook(reading.pin, { builtin: false });
  return reading.pin;
}

let sim: RunningSimulator;
let client: Awaited<ReturnType<typeof connectTestClient>>;
let worker: Worker;
let running: Promise<void>;
let connection: Awaited<ReturnType<typeof connectWorkerConnection>>;
const taskQueue = uniqueTaskQueue('pinning');

beforeAll(async () => {
  register(1);
  // Every call fails until the test says otherwise: both incidents wait at their first approval.
  sim = await startSimulator({ runbook: 'pinned', phases: [{ name: 'outage', models: { status: 500 }, messages: { status: 500 } }], latencyScale: 0 });
  const catalog = new ServiceCatalog([
    {
      name: 'pinned-service',
      runbook: 'pinned',
      target: { baseUrl: sim.baseUrl, statusPageUrl: sim.statusPageUrl, apiHost: 'localhost', apiKeyRef: { kind: 'env', name: KEY_ENV }, kubernetes: { namespace: 'default', deployment: 'pinned-service' }, settings: {} },
      policy: ApprovalPolicySchema.parse({ timeoutMs: 600_000 }),
      allowedSecretRefs: [],
    },
  ]);
  const env = { [KEY_ENV]: TEST_API_KEY };
  const dir = await mkdtemp(join(tmpdir(), 'pinning-'));
  const target = new RecordOnlyTarget({ seed: [{ namespace: 'default', deployment: 'pinned-service', env: { ANTHROPIC_MAX_CONCURRENCY: '8' }, cronJobs: [] }] });
  connection = await connectWorkerConnection();
  worker = await createIncidentWorker({
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
  running = worker.run();
  client = await connectTestClient();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.close();
  await connection?.close();
  await sim?.stop();
});

const start = (workflowId: string) =>
  client.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, { taskQueue, workflowId, args: [{ trigger: 'manual', reporter: 'alice', symptom: 'messages failing', service: 'pinned-service', timings: DRILL_TIMINGS }] });

type Handle = Awaited<ReturnType<typeof start>>;

async function waitFor(handle: Handle, predicate: (s: IncidentStatus) => boolean, what: string): Promise<IncidentStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Approves every step as it is asked, until the incident ends. */
async function approveUntilDone(handle: Handle): Promise<IncidentResult> {
  const answered = new Set<string>();
  for (;;) {
    if ((await handle.describe()).status.name !== 'RUNNING') return handle.result();
    const status = await handle.query(statusQuery).catch(() => null);
    for (const pending of status?.pendingApprovals ?? []) {
      if (answered.has(`${pending.stepId}@${pending.requestedAt}`)) continue;
      answered.add(`${pending.stepId}@${pending.requestedAt}`);
      await handle.signal(approveSignal, { stepId: pending.stepId, by: 'bob' });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const asking = (s: IncidentStatus) => s.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.description;

describe('runbook documents: an incident is pinned to the text it started with', () => {
  it('a running incident finishes on its version after the document changes; a new incident runs the new one; both histories replay', async () => {
    const first = await start(`${taskQueue}-first`);
    const firstAsking = await waitFor(first, (s) => asking(s) !== undefined, 'the first incident to ask for fallback');
    expect(asking(firstAsking)).toBe('Version 1 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service');

    const v2 = register(2);
    const second = await start(`${taskQueue}-second`);
    const secondAsking = await waitFor(second, (s) => asking(s) !== undefined, 'the second incident to ask for fallback');
    expect(asking(secondAsking)).toBe('Version 2 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service');
    expect(secondAsking.runbookDocument).toEqual({ id: 'pinned', version: 2, sha256: v2.sha256 });
    const firstNow = await first.query(statusQuery);
    expect(firstNow.runbookDocument).toMatchObject({ id: 'pinned', version: 1 });
    expect(firstNow.runbookDocument!.sha256).not.toBe(v2.sha256);

    // The first incident goes on (approvals, monitoring, restore) on version 1 while version 2 is registered.
    sim.setScenario('healthy');
    const [firstResult, secondResult] = await Promise.all([approveUntilDone(first), approveUntilDone(second)]);
    expect(firstResult).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(secondResult).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    const asked = (r: IncidentResult) => r.timeline.filter((e) => e.kind === 'approval_requested' && e.message.startsWith('enable-fallback')).map((e) => e.message);
    expect(asked(firstResult)).toEqual(['enable-fallback: Version 1 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service']);
    expect(asked(secondResult)).toEqual(['enable-fallback: Version 2 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service']);
    const pinned = `pinned v1 (sha256 ${firstNow.runbookDocument!.sha256.slice(0, 12)})`;
    expect(firstResult.timeline.map((e) => e.message)).toContain(`Runbook document ${pinned}: this incident runs on this text to its end`);
    expect(await first.query(postmortemQuery)).toContain(`**Runbook:** document ${pinned}`);

    // Replayed by the workflow bundle, whose registry knows no document: each history's pinned text decides.
    const histories = [await first.fetchHistory(), await second.fetchHistory()].map((history, i) => ({ workflowId: [first, second][i]!.workflowId, history }));
    const json = historyToJson(histories[0]!.history);
    expect(searchableHistoryText(json).includes(TEST_API_KEY)).toBe(false);
    // Kept with the replay corpus (test/workflows/replay.test.ts): a later engine must still finish it.
    await maybeRecordHistory('document-runbook-pinned', { workflowId: first.workflowId, runId: first.firstExecutionRunId, json });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code: await sharedBundle() } }, histories)) if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    expect(failures).toEqual([]);
  });

  it('a scheduled synthetic check of a document runbook runs the document its worker loaded', async () => {
    sim.setScenario('healthy');
    const input: SyntheticCheckInput = { scheduleId: `${taskQueue}-schedule`, runbook: 'pinned', service: 'pinned-service', billedPerDay: 0 };
    const result = await client.client.workflow.execute<(i: SyntheticCheckInput) => Promise<SyntheticCheckResult>>(SYNTHETIC_CHECK_WORKFLOW_TYPE, { taskQueue, workflowId: `${taskQueue}-synthetic`, args: [input] });
    // No billed budget: the document's free probes only, judged by its decision table.
    expect(result).toMatchObject({ outcome: 'healthy', billed: false, decision: { cause: 'healthy' } });
    expect(result.probes.map((p) => p.probe).sort()).toEqual(['dns', 'list_models', 'status_page']);
  });
});
