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

  it('runbook worker serves incidents on the configured task queue and stops cleanly on SIGTERM', async () => {
    h.sim.setScenario('healthy');
    const taskQueue = uniqueTaskQueue('worker-cli');
    const child = spawn(NODE, [RUNBOOK_BIN, 'worker'], {
      env: { ...process.env, ...env, RUNBOOK_TASK_QUEUE: taskQueue, RUNBOOK_LOG_FORMAT: 'json', [API_KEY_ENV]: TEST_API_KEY },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    while (!logs.includes('"msg":"worker started"')) await once(child.stderr, 'data');
    const started = JSON.parse(logs.split('\n').find((l) => l.includes('"msg":"worker started"'))!) as Record<string, unknown>;
    expect(started).toMatchObject({ namespace: 'default', taskQueue });
    const result = await h.client.workflow.execute<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, { taskQueue, workflowId: `${taskQueue}-x`, args: [{ ...h.startRequest(), service: 'ideogram-service' }] });
    expect(result).toMatchObject({ state: 'closed', cause: 'healthy' });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(logs).not.toContain(TEST_API_KEY);
  });
});
