import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../src/infra/dev-server.ts';
import { freePort } from '../../src/infra/ports.ts';
import { bundleIncidentWorkflows } from '../../src/infra/workflow-bundle.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    /** The dev server's own Prometheus metrics. */
    temporalMetricsUrl: string;
    /** A namespace for a test that fills visibility: other tests list the shared one's first rows. */
    crowdNamespace: string;
    /** The incident workflows bundled once for the run, as `npm run build:workflows` writes them. */
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;
let bundleDir: string | undefined;

const CROWD_NAMESPACE = 'crowd';
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/**
 * One Temporal dev server for the whole run (every test uses its own task queue on it), and one
 * workflow bundle that every test worker and drill process runs, as a production worker runs its
 * prebuilt bundle (RUNBOOK_WORKFLOW_BUNDLE).
 */
export async function setup(project: TestProject): Promise<void> {
  bundleDir = await mkdtemp(join(tmpdir(), 'runbook-test-bundle-'));
  const [started, code] = await Promise.all([
    startDevServer({
      uiPort: null,
      logLevel: 'error',
      extraNamespaces: [CROWD_NAMESPACE],
      metricsPort: await freePort(),
      // An incident whose workflow task fails is reported at the first failure rather than the fifth.
      dynamicConfig: { 'system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute': 1 },
    }),
    bundleIncidentWorkflows({ logger: quietLogger }),
  ]);
  server = started;
  const workflowBundlePath = join(bundleDir, 'workflows.js');
  await writeFile(workflowBundlePath, code, 'utf8');
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  project.provide('temporalMetricsUrl', server.metricsUrl!);
  project.provide('crowdNamespace', CROWD_NAMESPACE);
  project.provide('workflowBundlePath', workflowBundlePath);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
}
