import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createNotificationActivities } from '../../src/activities/notifications/index.ts';
import { testingExecutable } from '../../src/infra/temporal-binary.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import type { CadenceArgs, cadenceWorkflow } from './fixtures/cadence-workflow.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const CADENCE = { P1: 30 * MIN, P2: HOUR, P3: 4 * HOUR, P4: null };
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/**
 * Workflow time moves on by the activity's own milliseconds, so "when due" means: not before the
 * promised time, and not a whole cadence step late.
 */
function expectSentWhenDue(sentAt: string, promised: string): void {
  const lateBy = Date.parse(sentAt) - Date.parse(promised);
  expect(lateBy).toBeGreaterThanOrEqual(0);
  expect(lateBy).toBeLessThan(MIN);
}

describe('due-update cadence on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  let receiver: WebhookReceiver;
  let workflowBundle: { code: string };

  beforeAll(async () => {
    [env, receiver, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testingExecutable('test-server') } }),
      startWebhookReceiver(),
      bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('./fixtures/cadence-workflow.ts', import.meta.url)),
        logger: quietLogger,
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([env?.teardown(), receiver?.close()]);
  });

  async function runIncident(args: CadenceArgs, path: string) {
    const taskQueue = uniqueTaskQueue('cadence');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createNotificationActivities({
        slackWebhookUrls: [],
        webhookUrls: [receiver.url(path)],
        attempts: 1,
        timeoutMs: 2_000,
      }),
    });
    const updates = await worker.runUntil(
      env.client.workflow.execute<typeof cadenceWorkflow>('cadenceWorkflow', {
        taskQueue,
        workflowId: taskQueue,
        args: [args],
      }),
    );
    const bodies = receiver.requests
      .filter((r) => r.path === path)
      .map((r) => r.json as { status: string; nextUpdateAt: string | null; text: string });
    return { updates, bodies };
  }

  it('sends a reminder each time a P1 update falls due, 30 minutes apart, with no state change', async () => {
    const { updates, bodies } = await runIncident({ severity: 'P1', cadence: CADENCE, reminders: 3 }, '/p1');
    expect(updates.map((u) => u.kind)).toEqual(['status', 'reminder', 'reminder', 'reminder', 'status']);
    for (const update of updates.slice(0, 4))
      expect(Date.parse(update.nextUpdateAt!) - Date.parse(update.sentAt)).toBe(30 * MIN);
    for (let i = 1; i <= 3; i += 1) expectSentWhenDue(updates[i]!.sentAt, updates[i - 1]!.nextUpdateAt!);
    expect(bodies.map((b) => b.status)).toEqual(['MITIGATED', 'MITIGATED', 'MITIGATED', 'MITIGATED', 'RESOLVED']);
    expect(bodies.slice(1, 4).every((b) => b.text.endsWith('Scheduled update: no change since the last update.'))).toBe(
      true,
    );
    expect(bodies[0]!.text).toContain(`Next update: ${updates[0]!.nextUpdateAt!.slice(11, 16)} UTC`);
    expect(bodies.at(-1)).toMatchObject({ nextUpdateAt: null });
    expect(updates.flatMap((u) => u.deliveries).every((d) => d.ok)).toBe(true);
  });

  it('spaces P3 reminders four hours apart', async () => {
    const { updates } = await runIncident({ severity: 'P3', cadence: CADENCE, reminders: 2 }, '/p3');
    expect(updates.map((u) => u.kind)).toEqual(['status', 'reminder', 'reminder', 'status']);
    expect(Date.parse(updates[0]!.nextUpdateAt!) - Date.parse(updates[0]!.sentAt)).toBe(4 * HOUR);
    expectSentWhenDue(updates[1]!.sentAt, updates[0]!.nextUpdateAt!);
    expectSentWhenDue(updates[2]!.sentAt, updates[1]!.nextUpdateAt!);
  });

  it('sends no reminders for P4', async () => {
    const { updates, bodies } = await runIncident({ severity: 'P4', cadence: CADENCE, reminders: 3 }, '/p4');
    expect(updates.map((u) => u.kind)).toEqual(['status', 'status']);
    expect(updates[0]!.nextUpdateAt).toBeNull();
    expect(bodies[0]!.text).toContain('Next update: on the next change');
  });

  it('records a failed update and still delivers the next one when it falls due', async () => {
    receiver.failNext(1);
    const { updates, bodies } = await runIncident({ severity: 'P2', cadence: CADENCE, reminders: 2 }, '/p2');
    expect(updates.map((u) => u.kind)).toEqual(['status', 'reminder', 'reminder', 'status']);
    expect(updates[0]!.deliveries).toEqual([
      { sink: `webhook:${new URL(receiver.baseUrl).host}`, ok: false, error: 'HTTP 500' },
    ]);
    expect(updates.slice(1).every((u) => u.deliveries[0]!.ok)).toBe(true);
    expect(Date.parse(updates[0]!.nextUpdateAt!) - Date.parse(updates[0]!.sentAt)).toBe(HOUR);
    expectSentWhenDue(updates[1]!.sentAt, updates[0]!.nextUpdateAt!);
    expect(bodies).toHaveLength(4);
  });
});
