/**
 * A real incident worker in its own process, so a test can SIGKILL it. Run with
 * node_modules/.bin/node; configured through the environment (see `requireEnv` below).
 * Every applyMutation call is appended to APPLY_LOG before it runs: the test reads it to prove
 * that no change was applied twice across kills.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { processWorkerDeps } from './process-worker-deps.ts';
import { RecordOnlyTarget } from '../../../src/activities/kubernetes/index.ts';
import { createIncidentWorker, workerActivities } from '../../../src/worker/create-worker.ts';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process: set ${name}`);
  return value;
}

const dir = requireEnv('WORKER_DIR');
const applyLog = join(dir, 'apply.jsonl');
const target = new RecordOnlyTarget({
  stateFile: join(dir, 'cluster.json'),
  seed: [
    { namespace: 'payments', deployment: 'ideogram-service', containers: ['api'], env: { IDEOGRAM_CONCURRENCY: '8' } },
  ],
});
const deps = processWorkerDeps(dir, target, requireEnv('WORKER_CATALOG'));
const connection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
const activities = workerActivities({
  connection,
  namespace: requireEnv('TEMPORAL_NAMESPACE'),
  taskQueue: requireEnv('TASK_QUEUE'),
  deps,
});
const applyMutation: typeof activities.applyMutation = async (req) => {
  appendFileSync(applyLog, `${JSON.stringify({ mutationId: req.mutationId, pid: process.pid })}\n`);
  return activities.applyMutation(req);
};

const worker = await createIncidentWorker({
  connection,
  namespace: requireEnv('TEMPORAL_NAMESPACE'),
  taskQueue: requireEnv('TASK_QUEUE'),
  deps,
  activities: { ...activities, applyMutation },
  workflowBundlePath: requireEnv('WORKFLOW_BUNDLE'),
  // A killed worker's sticky queue would hold the next task for the default 10 s.
  overrides: { stickyQueueScheduleToStartTimeout: '1 second' },
});
process.stdout.write('READY\n');
await worker.run();
await connection.close();
