import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INCIDENT_WORKFLOW_TYPE, type IncidentStatus } from '../../src/contract/index.ts';
import { NODE, RUNBOOK_BIN, runCli } from '../support/cli.ts';
import { API_KEY_ENV, cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  h = await startHarness({ scenario: 'auth-401' });
  env = cliEnvironment(h, temporalAddress());
});
afterAll(() => h.close());

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extra } });

/** `runbook worker` as a process, once it has logged that it started. */
async function startCliWorker(taskQueue: string, extra: NodeJS.ProcessEnv = {}) {
  const child = spawn(NODE, [RUNBOOK_BIN, 'worker'], {
    env: {
      ...process.env,
      ...env,
      RUNBOOK_TASK_QUEUE: taskQueue,
      RUNBOOK_LOG_FORMAT: 'json',
      [API_KEY_ENV]: TEST_API_KEY,
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  while (!logs.includes('"msg":"worker started"')) await once(child.stderr, 'data');
  const started = JSON.parse(logs.split('\n').find((l) => l.includes('"msg":"worker started"'))!) as Record<
    string,
    unknown
  >;
  return { child, started, logs: () => logs };
}

async function pending(id: string, step: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { stdout, code } = await cli(['status', id, '--json']);
    if (code === 0 && (JSON.parse(stdout) as IncidentStatus).pendingApprovals.some((a) => a.stepId === step)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${step} never pending on ${id}`);
}

describe('runbook CLI: secrets by reference, reject, the worker (real processes)', () => {
  it('provide-secret hands over a reference; reject stops the change and says what happens instead', async () => {
    h.sim.setScenario('auth-401');
    const id = `incident-auth-${Date.now().toString(36)}`;
    expect((await cli(['start', '--id', id, '--symptom', '401s everywhere'])).code).toBe(0);
    await pending(id, 'new-key-reference');
    const sent = await cli(['provide-secret', id, 'new-key-reference', '--ref', 'env:NEW_IDEOGRAM_KEY', '--by', 'bob']);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('env:NEW_IDEOGRAM_KEY');
    await pending(id, 'apply-new-key');
    const rejected = await cli(['reject', id, 'apply-new-key', '--by', 'bob', '--comment', 'wrong key']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected apply-new-key');
    const result = await h.client.workflow.getHandle<IncidentWorkflow>(id).result();
    expect(result.mutations).toEqual([]);
    // Nothing was fixed: the incident ends `closed`, handed back to a human, not `resolved`.
    expect(result.state).toBe('closed');
    expect(result.timeline.some((e) => e.kind === 'rejected' && e.message.includes('wrong key'))).toBe(true);
    expect(JSON.stringify(result)).not.toContain('sk-new-6a1b2c3d4e5f');
    const missing = await cli(['audit', 'incident-none']);
    expect(missing.code).toBe(1);
    expect((await cli(['postmortem', 'incident-none'])).stderr).toContain('no incident incident-none');
  });

  it('runbook worker serves incidents on the configured task queue and stops cleanly on SIGTERM; a later build waits to be made current', async () => {
    h.sim.setScenario('healthy');
    const taskQueue = uniqueTaskQueue('worker-cli');
    const first = await startCliWorker(taskQueue);
    // A first deployment's worker makes its build current: nothing else would start new incidents.
    expect(first.started).toMatchObject({ namespace: 'default', taskQueue, deploymentName: taskQueue, current: true });
    const result = await h.client.workflow.execute<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `${taskQueue}-x`,
      args: [{ ...h.startRequest(), service: 'ideogram-service' }],
    });
    expect(result).toMatchObject({ state: 'closed', cause: 'healthy' });
    // Another build of the same deployment serves only what is pinned to it until the operator makes it current.
    const next = await startCliWorker(taskQueue, { RUNBOOK_BUILD_ID: 'next-build' });
    expect(next.started).toMatchObject({ deploymentName: taskQueue, buildId: 'next-build', current: false });
    expect(next.logs()).toContain(
      `temporal worker deployment set-current-version --deployment-name ${taskQueue} --build-id next-build`,
    );
    for (const worker of [first, next]) {
      worker.child.kill('SIGTERM');
      const [code] = (await once(worker.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(worker.logs()).not.toContain(TEST_API_KEY);
    }
  });
});
