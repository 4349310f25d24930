import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../../src/infra/workflow-bundle.ts';
import { createIncidentWorker, WORKFLOWS_PATH } from '../../src/worker/create-worker.ts';
import { activityDepsFromConfig } from '../../src/worker/deps.ts';
import { loadConfig } from '../../src/config/index.ts';
import { continueSignal, type pingWorkflow } from '../fixtures/workflows/ping.ts';
import { connectTestClient, connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';

const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('prebuilt workflow bundle (production mode)', () => {
  it('bundles the real incident workflows (the bundler rejects non-deterministic imports)', async () => {
    const { bytes } = await buildWorkflowBundle(WORKFLOWS_PATH, join(dir, 'incident.js'));
    expect(bytes).toBeGreaterThan(10_000);
  });

  it('a worker started from a bundle file runs the bundled code', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/ping.ts', import.meta.url));
    const { outFile } = await buildWorkflowBundle(fixture, join(dir, 'ping.js'));
    const taskQueue = uniqueTaskQueue('bundle');
    const connection = await connectWorkerConnection();
    const worker = await createIncidentWorker({
      connection,
      namespace: temporalNamespace(),
      taskQueue,
      deps: activityDepsFromConfig(loadConfig({})),
      workflowBundlePath: outFile,
    });
    const { client, close } = await connectTestClient();
    try {
      const result = await worker.runUntil(async () => {
        const handle = await client.workflow.start<typeof pingWorkflow>('pingWorkflow', { taskQueue, workflowId: taskQueue, args: ['bundle'] });
        await handle.signal(continueSignal);
        return handle.result();
      });
      expect(result).toBe('pong bundle');
    } finally {
      await close();
      await connection.close();
    }
  });

  it('refuses a bundle path that does not exist, saying how to build one', async () => {
    const connection = await connectWorkerConnection();
    try {
      await expect(
        createIncidentWorker({
          connection,
          namespace: temporalNamespace(),
          taskQueue: uniqueTaskQueue(),
          deps: activityDepsFromConfig(loadConfig({})),
          workflowBundlePath: join(dir, 'missing.js'),
        }),
      ).rejects.toThrow(/npm run build:workflows/);
    } finally {
      await connection.close();
    }
  });
});
