/**
 * A real incident worker in its own process, for the kill -9 matrix (test/e2e/kill-matrix.test.ts).
 * Run with node_modules/.bin/node; configured through the environment:
 *
 * - WORKER_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, WORKFLOW_BUNDLE (required);
 * - KUBECONFIG_PATH: act on that (real) cluster; without it, a record-only target in WORKER_DIR;
 * - PAUSE_IN=applyMutation|revertMutation: TEST-ONLY HOOK. The first write to the cluster made
 *   inside that activity completes, then the activity stops before it returns: the worker writes
 *   WORKER_DIR/paused.json ({ pid, activity, method, mutationId }) and waits until WORKER_DIR/go
 *   exists. paused.json is created exclusively, so among several workers sharing WORKER_DIR only
 *   the first to get there pauses; the test SIGKILLs that one. With PAUSE_METHOD=<method> (see
 *   WRITES: updateDeployment, restart, ...), only a write of that kind pauses.
 *
 * Every write that reached the target is appended to WORKER_DIR/writes.jsonl and every
 * applyMutation/revertMutation call (with its attempt) to WORKER_DIR/activities.jsonl, each with
 * the pid, so a test can count what happened where. The guarded read-decide-write methods
 * (updateDeployment/updateCronJob) count as a write only when their decision had something to send
 * (the target sends nothing otherwise); the entry then carries that decision (`edit`: the env and
 * annotation changes, or the suspend flag, of the round that was written).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { NativeConnection } from '@temporalio/worker';
import { processWorkerDeps } from './process-worker-deps.ts';
import {
  createKubernetesTarget,
  RecordOnlyTarget,
  type RemediationTarget,
} from '../../../src/activities/kubernetes/index.ts';
import { createIncidentWorker, workerActivities } from '../../../src/worker/create-worker.ts';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`chaos-worker-process: set ${name}`);
  return value;
}

const dir = requireEnv('WORKER_DIR');
const pauseIn = process.env.PAUSE_IN as 'applyMutation' | 'revertMutation' | undefined;
/** PAUSE_METHOD=updateDeployment|restart|...: pause only after that kind of write (default: the first write). */
const pauseMethod = process.env.PAUSE_METHOD;
const log = (file: string, entry: object) =>
  appendFileSync(join(dir, file), `${JSON.stringify({ ...entry, pid: process.pid })}\n`);

const inner: RemediationTarget = process.env.KUBECONFIG_PATH
  ? createKubernetesTarget({ kubeconfigPath: process.env.KUBECONFIG_PATH })
  : new RecordOnlyTarget({
      stateFile: join(dir, 'cluster.json'),
      seed: [
        {
          namespace: 'payments',
          deployment: 'ideogram-service',
          containers: ['api'],
          env: { IDEOGRAM_CONCURRENCY: '8' },
        },
      ],
    });

/** Which mutation activity the current call runs in. */
const current = new AsyncLocalStorage<{ activity: 'applyMutation' | 'revertMutation'; mutationId: string }>();

async function pauseHere(method: string): Promise<void> {
  const at = current.getStore();
  if (!pauseIn || at?.activity !== pauseIn) return;
  if (pauseMethod && method !== pauseMethod) return;
  try {
    // 'wx': exclusive, so only the first worker (of those sharing WORKER_DIR) ever pauses.
    writeFileSync(
      join(dir, 'paused.json'),
      JSON.stringify({ pid: process.pid, activity: at.activity, method, mutationId: at.mutationId }),
      { flag: 'wx' },
    );
  } catch {
    return;
  }
  while (!existsSync(join(dir, 'go'))) await new Promise((r) => setTimeout(r, 20));
}

/** The methods of the target that write to the deployment and its CronJobs: the owner-aware guarded writes and the restart. */
const GUARDED = new Set(['updateDeployment', 'updateCronJob']);
const WRITES = new Set([...GUARDED, 'restart']);

interface Edit {
  env?: unknown[];
  suspended?: boolean;
  annotations: Record<string, string | null>;
}
/** Whether the target sends the decided edit (cluster.ts / record-only.ts send nothing for an empty one). */
const sends = (method: string, view: unknown, edit: Edit) =>
  method === 'updateDeployment'
    ? (edit.env?.length ?? 0) > 0 || Object.keys(edit.annotations).length > 0
    : view !== undefined && (edit.suspended !== undefined || Object.keys(edit.annotations).length > 0);

const target = new Proxy(inner, {
  get(obj, prop, receiver) {
    const value = Reflect.get(obj, prop, receiver) as unknown;
    if (typeof value !== 'function') return value;
    const fn = value as (...args: unknown[]) => Promise<unknown>;
    if (typeof prop !== 'string' || !WRITES.has(prop)) return fn.bind(obj);
    if (GUARDED.has(prop)) {
      return async (
        namespace: string,
        name: string,
        decide: (view: unknown) => Edit & { result: unknown },
        dryRun: boolean,
      ) => {
        // The decision may run several times (a lost race re-reads and decides again): the last one is what was written.
        let last: { view: unknown; edit: Edit } | undefined;
        const result = await fn.call(
          obj,
          namespace,
          name,
          (view: unknown) => {
            const edit = decide(view);
            last = { view, edit };
            return edit;
          },
          dryRun,
        );
        if (last && sends(prop, last.view, last.edit)) {
          const { env, suspended, annotations } = last.edit;
          log('writes.jsonl', {
            method: prop,
            args: [namespace, name, dryRun],
            edit: { env, suspended, annotations },
            activity: current.getStore()?.activity ?? null,
          });
          await pauseHere(prop);
        }
        return result;
      };
    }
    return async (...args: unknown[]) => {
      const result = await fn.apply(obj, args);
      log('writes.jsonl', { method: prop, args, activity: current.getStore()?.activity ?? null });
      await pauseHere(prop);
      return result;
    };
  },
});

const deps = processWorkerDeps(dir, target, requireEnv('WORKER_CATALOG'));
const connection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
const activities = workerActivities({
  connection,
  namespace: requireEnv('TEMPORAL_NAMESPACE'),
  taskQueue: requireEnv('TASK_QUEUE'),
  deps,
});
const applyMutation: typeof activities.applyMutation = (req) => {
  log('activities.jsonl', {
    activity: 'applyMutation',
    mutationId: req.mutationId,
    attempt: Context.current().info.attempt,
  });
  return current.run({ activity: 'applyMutation', mutationId: req.mutationId }, () => activities.applyMutation(req));
};
const revertMutation: typeof activities.revertMutation = (req) => {
  log('activities.jsonl', {
    activity: 'revertMutation',
    mutationId: req.record.id,
    attempt: Context.current().info.attempt,
  });
  return current.run({ activity: 'revertMutation', mutationId: req.record.id }, () => activities.revertMutation(req));
};

const worker = await createIncidentWorker({
  connection,
  namespace: requireEnv('TEMPORAL_NAMESPACE'),
  taskQueue: requireEnv('TASK_QUEUE'),
  deps,
  activities: { ...activities, applyMutation, revertMutation },
  workflowBundlePath: requireEnv('WORKFLOW_BUNDLE'),
  // A killed worker's sticky queue would hold the next task for the default 10 s.
  overrides: { stickyQueueScheduleToStartTimeout: '1 second' },
});
process.stdout.write('READY\n');
await worker.run();
await connection.close();
