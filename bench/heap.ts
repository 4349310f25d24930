// What a cached incident holds: the heap of N incidents waiting for an approval, run on this thread
// (the SDK's debug mode puts the workflows here, where a full collection can be asked for) against
// one, after full collections. Mocked activities on the time-skipping test server, so nothing but the
// workflows grows.
//
//   npm run bench:heap -- --incidents 150
//   npm run bench:heap -- --incidents 150 --sdk-promise-hook   # the SDK's own promise hook, to compare
//   npm run bench:heap -- --incidents 150 --snapshot-dir DIR    # heap snapshots with one and with all
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { INCIDENT_WORKFLOW_TYPE, SEARCH_ATTRIBUTE_REGISTRATIONS, statusQuery } from '../src/contract/index.ts';
import { testingExecutable } from '../src/infra/temporal-binary.ts';
import { bundleIncidentWorkflows } from '../src/infra/workflow-bundle.ts';
import { loadRunbookDocuments } from '../src/worker/runbook-documents.ts';
import type { IncidentWorkflow } from '../src/app/incident-workflow.ts';
// An incident with mocked activities (plain functions), not workflow code: the path only looks like it.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { unitActivities, unitInput } from '../test/workflows/support/unit-input.ts';

const { values } = parseArgs({
  options: {
    incidents: { type: 'string', default: '150' },
    'sdk-promise-hook': { type: 'boolean', default: false },
    'snapshot-dir': { type: 'string' },
  },
  strict: true,
});
const N = Number(values.incidents);
const collect = (globalThis as { gc?: () => void }).gc;
if (!Number.isInteger(N) || N < 2) {
  console.error(`--incidents must be a whole number of at least 2, got ${values.incidents}`);
  process.exit(2);
}
if (!collect) {
  console.error('run with node --expose-gc (npm run bench:heap does)');
  process.exit(2);
}

if (!values['sdk-promise-hook']) await import('../src/worker/workflow-thread-preload.ts');
loadRunbookDocuments();
Runtime.install({ logger: new DefaultLogger('WARN') });
const env = await TestWorkflowEnvironment.createTimeSkipping({
  server: { executable: testingExecutable('test-server') },
});
await env.connection.operatorService.addSearchAttributes({
  namespace: 'default',
  searchAttributes: Object.fromEntries(
    SEARCH_ATTRIBUTE_REGISTRATIONS.map((sa) => [
      sa.name,
      proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  ),
});
// Down for good: every incident comes to wait for the fallback's approval, and stays there.
const { activities, start } = unitActivities(unitInput(), { health: () => false });
const taskQueue = 'bench-heap';
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue,
  activities,
  workflowBundle: { code: await bundleIncidentWorkflows() },
  debugMode: true,
  maxCachedWorkflows: N + 10,
});

/** After full collections: the live heap, and what the process holds outside V8's heap (the SDK's core among it). */
const memoryMb = (snapshot: string) => {
  for (let i = 0; i < 4; i += 1) collect();
  const { heapUsed, heapTotal, rss } = process.memoryUsage();
  const dir = values['snapshot-dir'];
  if (dir) console.error(`heap snapshot: ${writeHeapSnapshot(join(dir, `${snapshot}.heapsnapshot`))}`);
  return { heap: heapUsed / 2 ** 20, outsideHeap: (rss - heapTotal) / 2 ** 20 };
};

/** Opens incidents `from`..`to`-1 and skips time until every one waits for an approval. */
async function openWaiting(from: number, to: number) {
  const handles = [];
  for (let i = from; i < to; i += 1) {
    handles.push(
      await env.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `bench-heap-${i}`,
        args: [start],
      }),
    );
  }
  for (let round = 0; round < 200; round += 1) {
    const statuses = await Promise.all(handles.map((h) => h.query(statusQuery)));
    if (statuses.every((s) => s.pendingApprovals.length > 0)) return handles;
    await env.sleep(5_000);
  }
  throw new Error('the incidents never came to wait for an approval');
}

await worker.runUntil(async () => {
  const first = await openWaiting(0, 1);
  const one = memoryMb('one');
  const rest = await openWaiting(1, N);
  const all = memoryMb(`all-${N}`);
  console.log(
    JSON.stringify({
      incidents: N,
      promiseHook: values['sdk-promise-hook'] ? 'sdk' : 'lazy',
      heapWithOneMb: Number(one.heap.toFixed(1)),
      heapWithAllMb: Number(all.heap.toFixed(1)),
      mbPerCachedIncident: Number(((all.heap - one.heap) / (N - 1)).toFixed(3)),
      outsideHeapWithOneMb: Number(one.outsideHeap.toFixed(1)),
      outsideHeapWithAllMb: Number(all.outsideHeap.toFixed(1)),
      outsideHeapMbPerCachedIncident: Number(((all.outsideHeap - one.outsideHeap) / (N - 1)).toFixed(3)),
      node: process.version,
    }),
  );
  await Promise.all([...first, ...rest].map((h) => h.terminate('bench over')));
});
await env.teardown();
