import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Prebuilt bundle (production); otherwise the workflows are bundled at start. */
  workflowBundlePath?: string;
  /** An already built bundle (tests share one across workers). */
  workflowBundleCode?: string;
  /** Tests override activity implementations here. */
  activities?: object;
  overrides?: Partial<WorkerOptions>;
}

export async function createIncidentWorker(options: IncidentWorkerOptions): Promise<Worker> {
  if (options.workflowBundlePath && !existsSync(options.workflowBundlePath)) {
    throw new Error(
      `workflow bundle not found at ${options.workflowBundlePath} — build it with \`npm run build:workflows\` or unset RUNBOOK_WORKFLOW_BUNDLE`,
    );
  }
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities ?? createActivities(options.deps),
    ...(options.workflowBundleCode
      ? { workflowBundle: { code: options.workflowBundleCode } }
      : options.workflowBundlePath
        ? { workflowBundle: { codePath: options.workflowBundlePath } }
        : { workflowsPath: WORKFLOWS_PATH }),
    ...options.overrides,
  });
}
