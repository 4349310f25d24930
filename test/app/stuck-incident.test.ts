import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { act } from '../../src/app/actions.ts';
import { decide, incidentStatus } from '../../src/app/incidents.ts';
import { IncidentStuckError } from '../../src/app/reported-problems.ts';
import { noteSignal } from '../../src/contract/index.ts';
import { bundleIncidentWorkflows } from '../../src/infra/workflow-bundle.ts';
import { signedInSession, type ConsoleSession } from '../support/console-client.ts';
import { startConsoleWith } from '../support/console-harness.ts';
import { withBundleWorker } from '../support/bundle-worker.ts';
import { incidentRowWhen } from '../support/incident-rows.ts';
import { runCli } from '../support/cli.ts';
import { temporalAddress, temporalNamespace } from '../support/temporal.ts';

describe('an incident whose workflow task fails on every attempt', () => {
  it('is listed as stuck, and a read or an approval says so at once instead of hanging, sending nothing', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/stuck-incident.ts', import.meta.url));
    const code = await bundleIncidentWorkflows({ workflowsPath: fixture });
    await withBundleWorker({ workflowBundleCode: code }, async (client, taskQueue) => {
      const id = `${taskQueue}-stuck`;
      const handle = await client.workflow.start('incidentWorkflow', { taskQueue, workflowId: id });
      try {
        await handle.signal(noteSignal, { by: 'alice', text: 'look here' });
        await expectStuckEverywhere(client, taskQueue, id);
      } finally {
        await handle.terminate('the test is over');
      }
    });
  }, 60_000);
});

/** Visibility, the CLI, the console's list and page, reads, approvals and actions: each says it is stuck. */
async function expectStuckEverywhere(client: Client, taskQueue: string, id: string): Promise<void> {
  // Temporal sets its own search attribute once the task has failed (at once on the test server).
  const row = await incidentRowWhen(client, id, (r) => r.stuck);
  expect(row).toMatchObject({
    incidentId: id,
    status: 'RUNNING',
    problem: 'WorkflowTaskFailed: WorkflowWorkerUnhandledFailure',
    stuck: true,
  });
  const env = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace() };
  const listed = await runCli(['list'], { env });
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/INCIDENT +SEVERITY +CAUSE +STATE +OWNER +APPROVALS +STARTED +PROBLEM/);
  expect(listed.stdout).toMatch(new RegExp(`${id} .* WorkflowTaskFailed: WorkflowWorkerUnhandledFailure`));
  await inConsole(client, taskQueue, async (viewer) => {
    const list = await viewer.get('/');
    expect(list.status).toBe(200);
    expect(list.body).toContain(
      '<span class="badge stuck" title="WorkflowTaskFailed: WorkflowWorkerUnhandledFailure">stuck: needs an operator</span>',
    );
    const page = await viewer.get(`/incidents/${id}`);
    expect(page.status).toBe(503);
    expect(page.body).toContain('Incident stuck: needs an operator');
    expect(page.body).toContain(`incident ${id} is stuck`);
  });

  const read = incidentStatus(client, id);
  await expect(read).rejects.toBeInstanceOf(IncidentStuckError);
  await expect(read).rejects.toThrow(
    `incident ${id} is stuck: Temporal reports its workflow task failing on every attempt ` +
      '(WorkflowTaskFailed: WorkflowWorkerUnhandledFailure), so it cannot be read.',
  );
  await expect(decide(client, id, { stepId: 'revert', by: 'alice', decision: 'approved' })).rejects.toThrow(
    `incident ${id} is stuck`,
  );
  const status = await runCli(['status', id], { env });
  expect(status.code).toBe(1);
  expect(status.stderr).toContain(`incident ${id} is stuck`);
  await expect(act(client, id, { action: 'resolve', by: 'alice', reason: 'fixed' })).rejects.toThrow(
    'so it cannot take the resolution',
  );
}

/** The console as `runbook serve` starts it, on the test's client, and a viewer signed in to it. */
async function inConsole(
  client: Client,
  taskQueue: string,
  use: (viewer: ConsoleSession) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stuck-console-'));
  const env = {
    TEMPORAL_ADDRESS: temporalAddress(),
    RUNBOOK_TASK_QUEUE: taskQueue,
    USER: 'alice',
    RUNBOOK_DATA_DIR: dir,
  };
  const running = await startConsoleWith(client, env);
  try {
    await use(await signedInSession(running, 'vic', 'viewer'));
  } finally {
    await running.close();
    await rm(dir, { recursive: true, force: true });
  }
}
