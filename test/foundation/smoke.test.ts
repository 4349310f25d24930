import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.ts';
import { testingExecutable } from '../../src/infra/temporal-binary.ts';
import { connectTestClient, connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';

describe('placeholder', () => {
  it('runs on the shared dev server', async () => {
    const taskQueue = uniqueTaskQueue();
    const connection = await connectWorkerConnection();
    const worker = await Worker.create({ connection, namespace: temporalNamespace(), taskQueue, workflowsPath: WORKFLOWS_PATH });
    const { client, close } = await connectTestClient();
    const result = await worker.runUntil(
      client.workflow.execute('incidentWorkflow', { taskQueue, workflowId: taskQueue, args: [{ sleepMs: 10 }] }),
    );
    expect(result).toBe('done');
    await close();
    await connection.close();
  });
  it('skips hours on the time-skipping server', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testingExecutable('test-server') } });
    const taskQueue = uniqueTaskQueue();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH });
    const result = await worker.runUntil(
      env.client.workflow.execute('incidentWorkflow', { taskQueue, workflowId: taskQueue, args: [{ sleepMs: 5 * 3600_000 }] }),
    );
    expect(result).toBe('done');
    await env.teardown();
  });
});
