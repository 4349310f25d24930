import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { startIncident } from '../../src/app/incidents.ts';
import {
  cancelSignal,
  SEARCH_ATTRIBUTES,
  statusQuery,
  timelineQuery,
  type ProbeResult,
} from '../../src/contract/index.ts';
import { IDEOGRAM_PROBE_IDS as P } from '../support/ideogram.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { scrape, totalWhere } from '../support/prometheus-text.ts';
import { temporalMetricsUrl, temporalNamespace } from '../support/temporal.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ scenario: 'healthy' });
});
afterAll(() => h.close());

/** Start → decision, for a healthy triage and a confirmed P1 alike: 12 events. */
const DECISION_PATH = [
  'workflowExecutionStarted',
  'workflowTaskScheduled',
  'workflowTaskStarted',
  'workflowTaskCompleted',
  'markerRecorded',
  'activityTaskScheduled',
  'activityTaskStarted',
  'activityTaskCompleted',
  'workflowTaskScheduled',
  'workflowTaskStarted',
  'workflowTaskCompleted',
  'upsertWorkflowSearchAttributes',
];

const attributeNames = (e: HistoryEvent) =>
  Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});

/** The events from the start request to the decision (the upsert that records the cause), inclusive. */
function untilDecision(events: HistoryEvent[]): HistoryEvent[] {
  const at = events.findIndex((e) => attributeNames(e).includes('IncidentCause'));
  expect(at, 'a decision was recorded').toBeGreaterThan(0);
  return events.slice(0, at + 1);
}

/**
 * Waits for the decision by describing the execution, never by a query: a query that arrives while
 * the first workflow task runs the catalog lookup (a local activity) makes the worker complete that
 * task early, with the lookup's marker, and take a second one (three events more). Counted here is
 * an incident nobody queries before its decision.
 */
async function decidedWithoutQuery(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await handle.describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.cause)) {
    if (Date.now() > deadline) throw new Error('no decision within 30 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How many history events of each kind, for a message that says where they went. */
const kinds = (events: HistoryEvent[]) =>
  events.map((e) =>
    Object.keys(e)
      .find((k) => k.endsWith('EventAttributes'))!
      .replace(/EventAttributes$/, ''),
  );

describe('round trips and billed calls of a triage (dev server, simulator)', () => {
  it('a triage spends two billed generate calls, one activity, the catalog lookup as a marker, and no upsert that changes nothing', async () => {
    h.sim.reset();
    // Started as `runbook start` and the console start it: the state search attribute and memo set by the request.
    const handle = await startIncident(
      h.client,
      h.taskQueue,
      h.startRequest({ symptom: 'round trips' }),
      `${h.taskQueue}-round-trips`,
    );
    await decidedWithoutQuery(handle);
    const timeline = await handle.query(timelineQuery);
    const decidedAt = Date.parse(timeline.find((e) => e.kind === 'decision')!.at);

    // The simulator counts what reached it before the decision: the triage round alone.
    const triage = h.sim.requests().filter((r) => r.arrivedAt <= decidedAt);
    const perEndpoint = Object.fromEntries(
      ['legacy', 'v3', 'statusPage', 'images'].map((e) => [e, triage.filter((r) => r.endpoint === e).length]),
    );
    expect(perEndpoint).toEqual({ legacy: 1, v3: 1, statusPage: 1, images: 1 });

    // The latency evidence is still there: the legacy call's own time, not billed again.
    const probes = timeline.filter((e) => e.kind === 'probe').map((e) => e.data as ProbeResult);
    const legacy = probes.find((r) => r.probe === P.legacy)!;
    const latency = probes.find((r) => r.probe === P.latency)!;
    expect(latency).toMatchObject({ ok: true, httpStatus: 200, billed: false, latencyMs: legacy.latencyMs });
    expect(
      probes
        .filter((r) => r.billed)
        .map((r) => r.probe)
        .sort(),
    ).toEqual([P.legacy, P.v3].sort());

    const events = untilDecision((await handle.fetchHistory()).events ?? []);
    // The catalog lookup is a local activity: one marker in the first workflow task.
    expect(events.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
    const activities = events
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['judgeRounds']);
    // The start request set IncidentState=investigating, so the only upsert is the decision's own.
    expect(
      events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).map((e) => attributeNames(e).sort()),
    ).toEqual([['IncidentCause', 'IncidentSeverity']]);
    // Started, a workflow task (lookup marker, judgeRounds scheduled), the activity, a workflow task, the decision.
    expect(kinds(events)).toEqual(DECISION_PATH);
    process.stdout.write(`events from start to decision (healthy): ${events.length}\n`);

    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  });

  it('a confirmed P1 reaches its decision in the same 12 events: the confirmation rounds run inside the triage activity, charged once, each on the timeline', async () => {
    h.sim.reset();
    h.sim.setScenario('outage-500');
    const handle = await startIncident(
      h.client,
      h.taskQueue,
      h.startRequest({ symptom: 'round trips, outage' }),
      `${h.taskQueue}-round-trips-p1`,
    );
    await decidedWithoutQuery(handle);
    expect(await handle.query(statusQuery)).toMatchObject({ cause: 'provider_outage', severity: 'P1' });
    const timeline = await handle.query(timelineQuery);
    const decision = timeline.find((e) => e.kind === 'decision')!;
    const beforeDecision = timeline.filter((e) => e.seq! < decision.seq!);

    // Two re-checks agree (confirmRounds 2): each one's probes on the timeline, at the time it ran, then the note.
    const confirmations = beforeDecision.filter((e) => e.kind === 'probe' && e.message.startsWith('confirmation '));
    expect(confirmations.map((e) => e.message.replace(/:.*/, '')).sort()).toEqual([
      'confirmation 1',
      'confirmation 1',
      'confirmation 2',
      'confirmation 2',
    ]);
    const [first, second] = ['confirmation 1', 'confirmation 2'].map((n) =>
      Date.parse(confirmations.find((e) => e.message.startsWith(n))!.at),
    );
    expect(second! - first!).toBeGreaterThanOrEqual(50);
    expect(beforeDecision.filter((e) => e.kind === 'note').map((e) => e.message)).toEqual([
      expect.stringMatching(/^Runbook document ideogram v1 \(sha256 [0-9a-f]+\): this incident runs on this text/),
      expect.stringMatching(/^Confirmed sustained: 2 re-checks over 0 s still show provider_outage/),
    ]);

    // Every billed call that reached the provider before the decision is on the timeline as billed, once.
    const billedOnTimeline = beforeDecision.filter((e) => e.kind === 'probe' && (e.data as ProbeResult).billed).length;
    const billedAtProvider = h.sim
      .requests()
      .filter((r) => r.arrivedAt <= Date.parse(decision.at) && (r.endpoint === 'legacy' || r.endpoint === 'v3')).length;
    expect(billedOnTimeline).toBe(6);
    expect(billedAtProvider).toBe(billedOnTimeline);

    const events = untilDecision((await handle.fetchHistory()).events ?? []);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
    expect(kinds(events)).toEqual(DECISION_PATH);
    process.stdout.write(`events from start to decision (confirmed P1): ${events.length}\n`);

    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
    h.sim.setScenario('healthy');
  });

  it('starts eagerly from a client on the worker’s own NativeConnection (the server hands the first task back with the start)', async () => {
    const client = new Client({ connection: h.workerConnection, namespace: temporalNamespace() });
    const handle = await startIncident(
      client,
      h.taskQueue,
      h.startRequest({ symptom: 'eager' }),
      `${h.taskQueue}-eager`,
      { eager: true },
    );
    expect(handle.eagerlyStarted).toBe(true);
    const status = await h.waitFor(handle, (s) => s.cause !== null, 'a decision');
    expect(status.cause).toBe('healthy');
    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  });

  it('the triage activity comes back to the worker with the workflow task that scheduled it (eager dispatch), not through matching', async () => {
    const handle = await startIncident(
      h.client,
      h.taskQueue,
      h.startRequest({ symptom: 'eager activity' }),
      `${h.taskQueue}-eager-activity`,
    );
    await decidedWithoutQuery(handle);
    const completed = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskCompletedEventAttributes);
    expect(completed.length).toBeGreaterThanOrEqual(1);

    // The server's own counts for this file's task queue (named in its metrics with underscores).
    const metrics = (await scrape(temporalMetricsUrl())).text;
    const taskqueue = h.taskQueue.replaceAll('-', '_');
    const dispatched = (taskType: string) =>
      totalWhere(metrics, 'poll_latency_count', { taskqueue, task_type: taskType, poll_result: 'dispatch' });
    const activitiesCompleted = totalWhere(metrics, 'activity_end_to_end_latency_count', { taskqueue });
    expect(activitiesCompleted).toBeGreaterThanOrEqual(completed.length);
    expect(dispatched('Workflow')).toBeGreaterThanOrEqual(1);
    // Matching hands out a retry whatever the setting; without eager dispatch, every first attempt too.
    expect(dispatched('Activity')).toBeLessThan(activitiesCompleted);
    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  });
});
