import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { INCIDENT_WORKFLOW_TYPE } from '../../src/contract/index.ts';
import { freePort } from '../../src/infra/ports.ts';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { API_KEY_ENV, cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { sample, scrape } from '../support/prometheus-text.ts';
import { temporalAddress } from '../support/temporal.ts';
import { LASTING_OUTAGE_500 } from '../support/console-harness.ts';

/**
 * `runbook worker` with RUNBOOK_WORKER_METRICS_PORT, as a real process on its own task queue: its
 * /metrics counts the billed probe calls its incidents make, and carries the Temporal SDK's worker
 * metrics (temporal_*, workflow task failures among them) on the same endpoint.
 */
let h: Harness;
let worker: ChildProcess;
let url: string;
let stderr = '';
const taskQueue = `worker-metrics-${process.pid}`;

beforeAll(async () => {
  h = await startHarness({ phases: LASTING_OUTAGE_500 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}/metrics`;
  worker = spawn(NODE, [RUNBOOK_BIN, 'worker'], {
    env: {
      ...process.env,
      ...cliEnvironment(h, temporalAddress()),
      RUNBOOK_TASK_QUEUE: taskQueue,
      RUNBOOK_DATA_DIR: h.dir,
      RUNBOOK_LOG_FORMAT: 'json',
      RUNBOOK_WORKER_METRICS_PORT: String(port),
      [API_KEY_ENV]: 'sk-worker-metrics-test',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // The worker prints its metrics URL once the listener is bound.
  const deadline = Date.now() + 60_000;
  while (!stderr.includes(`Worker metrics: ${url}`)) {
    if (worker.exitCode !== null || Date.now() > deadline)
      throw new Error(`runbook worker did not start its metrics listener: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(async () => {
  worker?.kill('SIGINT');
  await h?.close();
});

describe("the worker's /metrics", () => {
  it("counts billed probe calls by provider host and probe, next to the Temporal SDK's worker metrics", async () => {
    const incident = await h.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `${taskQueue}-incident`,
      args: [h.startRequest({ reporter: 'alice', symptom: 'images fail' })],
    });
    try {
      const host = new URL(h.sim.baseUrl).host;
      // The worker bundles its workflows before its first task: on a busy machine that takes a while.
      const deadline = Date.now() + 100_000;
      let text = '';
      // Triage makes the billed generate calls; the counter moves as they return.
      while (
        !(sample(text, 'runbook_probe_billed_calls_total', { host, probe: 'legacy_generate' }) ?? 0) &&
        Date.now() < deadline
      ) {
        text = (await scrape(url)).text;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(
        sample(text, 'runbook_probe_billed_calls_total', { host, probe: 'legacy_generate' }),
      ).toBeGreaterThanOrEqual(1);
      // The status page is free: never counted.
      expect(text).not.toContain('probe="status_page"');
      expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
      expect(text).toContain('# HELP process_cpu_user_seconds_total');
      // The incident lives in a workflow thread, whose heap the process's own figures leave out.
      const workflowHeap = sample(text, 'runbook_workflow_threads_heap_used_bytes', {}) ?? 0;
      expect(workflowHeap).toBeGreaterThan(1_000_000);
      expect(workflowHeap).toBeLessThanOrEqual(sample(text, 'runbook_workflow_threads_heap_size_bytes', {}) ?? 0);
    } finally {
      await incident.terminate('test over').catch(() => undefined);
    }
  }, 120_000);
});
