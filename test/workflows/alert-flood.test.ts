import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import {
  actUpdate,
  alertSignal,
  ApprovalPolicySchema,
  decideUpdate,
  INCIDENT_WORKFLOW_TYPE,
  postmortemQuery,
  statusQuery,
  timelineQuery,
  type AlertSignal,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { sharedBundle } from '../support/workflow-bundle.ts';
import { temporalAddress, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';
import { createMockActivities } from './support/mock-activities.ts';
import { HOUR, unitInput } from './support/time-skipping.ts';

const LIMIT = 2 * 1024 * 1024;
const ALERTS = 20_000;
/** Alerts at the intake's widest (50 labels: keys of 100, values of 500 characters): 30 kB each. */
const WIDE = 300;
const BATCH = 200;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function alert(i: number): AlertSignal {
  const wide = i < WIDE;
  const labels = wide
    ? Object.fromEntries(
        Array.from({ length: 50 }, (_, l) => [
          `${String(l).padStart(2, '0')}${'k'.repeat(98)}`,
          `${i}-${'v'.repeat(490)}`,
        ]),
      )
    : { alertname: 'GenerateFailing', instance: `pod-${i % 500}`, detail: 'x'.repeat(200) };
  return {
    source: 'alertmanager',
    status: i % 97 === 0 ? 'resolved' : 'firing',
    fingerprint: `fp-${i % 500}`,
    summary: `generate failing on pod-${i % 500}`,
    labels,
    generatorURL: `http://prometheus/graph?g0.expr=${'e'.repeat(wide ? 1_900 : 50)}`,
  };
}

let connection: Connection;
let client: Client;
let workerConnection: NativeConnection;
let bundle: string;
beforeAll(async () => {
  [connection, workerConnection, bundle] = await Promise.all([
    Connection.connect({ address: temporalAddress() }),
    NativeConnection.connect({ address: temporalAddress() }),
    sharedBundle(),
  ]);
  client = new Client({ connection, namespace: temporalNamespace() });
});
afterAll(async () => {
  await workerConnection?.close();
  await connection?.close();
});

/** Asks `status` until `predicate` holds; each look is a round trip to the server, bounded in number. */
async function until(
  handle: { query: (q: typeof statusQuery) => Promise<IncidentStatus> },
  predicate: (s: IncidentStatus) => boolean,
  what: string,
): Promise<IncidentStatus> {
  for (let i = 0; i < 600; i += 1) {
    const status = await handle.query(statusQuery).catch(() => null);
    if (status && predicate(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never reached: ${what}`);
}

describe('an alert flood on one incident (dev server, mocked activities)', () => {
  it(
    'stays queryable, approvable and revertible, and continues as new with a small input',
    { timeout: 600_000 },
    async () => {
      const input = unitInput({ policy: { timeoutMs: 24 * HOUR } });
      const taskQueue = uniqueTaskQueue('flood');
      const resolved = {
        name: input.service.name,
        runbook: 'ideogram',
        target: input.service,
        policy: ApprovalPolicySchema.parse(input.policy),
      };
      const { activities, events } = createMockActivities({ health: () => false, statusPage: () => 'major', resolved });
      const worker = await Worker.create({
        connection: workerConnection,
        namespace: temporalNamespace(),
        taskQueue,
        activities,
        workflowBundle: { code: bundle },
      });
      const { service, policy: _policy, ...request } = input;
      const handle = await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `incident-${taskQueue}`,
        args: [{ ...request, service: service.name }],
      });
      const current = client.workflow.getHandle<IncidentWorkflow>(handle.workflowId);

      const result = await worker.runUntil(async () => {
        await until(
          current,
          (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
          'enable-fallback requested',
        );
        const sent = Math.round(WIDE * bytes(alert(0)) + (ALERTS - WIDE) * bytes(alert(WIDE)));
        for (let i = 0; i < ALERTS; i += BATCH) {
          await Promise.all(
            Array.from({ length: Math.min(BATCH, ALERTS - i) }, (_, j) => current.signal(alertSignal, alert(i + j))),
          );
          // A sender that waits for an answer between batches, as the intake's queue does per incident:
          // the gap lets a continue-as-new complete (Temporal refuses one while new signals are buffered).
          await current.query(statusQuery);
        }

        // Queryable: every answer, measured as JSON, far below the payload limit.
        const status = await until(
          current,
          (s) => s.state === 'awaiting_approval',
          'the incident answering after the flood',
        );
        const timeline = await current.query(timelineQuery);
        const postmortem = await current.query(postmortemQuery);
        const sizes = { sent, status: bytes(status), timeline: bytes(timeline), postmortem: bytes(postmortem) };
        console.log('alert flood sizes (bytes)', sizes);
        expect(sent).toBeGreaterThan(8 * LIMIT);
        expect(sizes.timeline).toBeLessThan(LIMIT / 4);
        expect(sizes.postmortem).toBeLessThan(LIMIT / 4);
        expect(sizes.status).toBeLessThan(LIMIT / 20);
        expect(timeline.some((e) => /^\d+ timeline entries elided/.test(e.message))).toBe(true);
        expect(timeline.filter((e) => e.kind === 'alert').length).toBeLessThan(200);

        // Approvable, then revertible: the fallback goes on, cancel takes it off and the workflow completes.
        expect(
          await current.executeUpdate(decideUpdate, {
            args: [{ stepId: 'enable-fallback', by: 'bob', decision: 'approved' }],
          }),
        ).toEqual({ accepted: true, message: 'approved enable-fallback' });
        await until(current, (s) => s.mutations.some((m) => m.step === 'enable-fallback'), 'the fallback applied');
        expect(
          (
            await current.executeUpdate(actUpdate, {
              args: [{ action: 'cancel', by: 'bob', reason: 'alert flood drill' }],
            })
          ).accepted,
        ).toBe(true);
        return current.result();
      });

      expect(result.state).toBe('cancelled');
      expect(result.mutations.filter((m) => m.step === 'enable-fallback').every((m) => m.revertedAt)).toBe(true);
      expect(events.some((e) => e.type === 'revert' && e.step === 'enable-fallback')).toBe(true);

      // Continue-as-new happened, each time with an input far below the limit.
      const inputs: number[] = [];
      let runId: string | undefined = handle.firstExecutionRunId;
      while (runId) {
        // Only the run's close event: the whole history of a flooded run is larger than a gRPC answer may be.
        const { history }: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse =
          await connection.workflowService.getWorkflowExecutionHistory({
            namespace: temporalNamespace(),
            execution: { workflowId: handle.workflowId, runId },
            historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
            waitNewEvent: true,
          });
        const continued: temporal.api.history.v1.IWorkflowExecutionContinuedAsNewEventAttributes | null | undefined =
          history?.events?.find(
            (e) => e.workflowExecutionContinuedAsNewEventAttributes,
          )?.workflowExecutionContinuedAsNewEventAttributes;
        if (!continued) break;
        const payloads: temporal.api.common.v1.IPayload[] = continued.input?.payloads ?? [];
        inputs.push(
          payloads.reduce(
            (n, p) => n + (p.data?.length ?? 0) + Object.values(p.metadata ?? {}).reduce((m, v) => m + v.length, 0),
            0,
          ),
        );
        runId = continued.newExecutionRunId ?? undefined;
      }
      console.log('continue-as-new input sizes (bytes)', inputs);
      expect(inputs.length).toBeGreaterThan(0);
      expect(Math.max(...inputs)).toBeLessThan(LIMIT / 4);
    },
  );
});
