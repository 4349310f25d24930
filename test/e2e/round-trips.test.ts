import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { startIncident } from '../../src/app/incidents.ts';
import { cancelSignal, timelineQuery, type ProbeResult } from '../../src/contract/index.ts';
import { IDEOGRAM_PROBE_IDS as P } from '../../src/runbooks/ideogram/probes.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalNamespace } from '../support/temporal.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ scenario: 'healthy' });
});
afterAll(() => h.close());

const attributeNames = (e: HistoryEvent) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});

/** The events from the start request to the decision (the upsert that records the cause), inclusive. */
function untilDecision(events: HistoryEvent[]): HistoryEvent[] {
  const at = events.findIndex((e) => attributeNames(e).includes('IncidentCause'));
  expect(at, 'a decision was recorded').toBeGreaterThan(0);
  return events.slice(0, at + 1);
}

describe('round trips and billed calls of a triage (dev server, simulator)', () => {
  it('a triage spends two billed generate calls, one activity, no marker, and no upsert that changes nothing', async () => {
    h.sim.reset();
    // Started as `runbook start` and the console start it: the state search attribute and memo set by the request.
    const handle = await startIncident(h.client, h.taskQueue, h.startRequest({ symptom: 'round trips' }), `${h.taskQueue}-round-trips`);
    await h.waitFor(handle, (s) => s.cause !== null, 'a decision');
    const timeline = await handle.query(timelineQuery);
    const decidedAt = Date.parse(timeline.find((e) => e.kind === 'decision')!.at);

    // The simulator counts what reached it before the decision: the triage round alone.
    const triage = h.sim.requests().filter((r) => r.arrivedAt <= decidedAt);
    const perEndpoint = Object.fromEntries(['legacy', 'v3', 'statusPage', 'images'].map((e) => [e, triage.filter((r) => r.endpoint === e).length]));
    expect(perEndpoint).toEqual({ legacy: 1, v3: 1, statusPage: 1, images: 1 });

    // The latency evidence is still there: the legacy call's own time, not billed again.
    const probes = timeline.filter((e) => e.kind === 'probe').map((e) => e.data as ProbeResult);
    const legacy = probes.find((r) => r.probe === P.legacy)!;
    const latency = probes.find((r) => r.probe === P.latency)!;
    expect(latency).toMatchObject({ ok: true, httpStatus: 200, billed: false, latencyMs: legacy.latencyMs });
    expect(probes.filter((r) => r.billed).map((r) => r.probe).sort()).toEqual([P.legacy, P.v3].sort());

    const events = untilDecision((await handle.fetchHistory()).events ?? []);
    expect(events.filter((e) => e.markerRecordedEventAttributes)).toEqual([]);
    const activities = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['resolveService', 'runProbes']);
    // The start request set IncidentState=investigating, so the only upsert is the decision's own.
    expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).map((e) => attributeNames(e).sort())).toEqual([['IncidentCause', 'IncidentSeverity']]);
    expect(events.filter((e) => e.workflowPropertiesModifiedEventAttributes)).toHaveLength(1);
    process.stdout.write(`events from start to decision (healthy): ${events.length}\n`);

    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  });

  it('starts eagerly from a client on the worker’s own NativeConnection (the server hands the first task back with the start)', async () => {
    const client = new Client({ connection: h.workerConnection, namespace: temporalNamespace() });
    const handle = await startIncident(client, h.taskQueue, h.startRequest({ symptom: 'eager' }), `${h.taskQueue}-eager`, { eager: true });
    expect(handle.eagerlyStarted).toBe(true);
    const status = await h.waitFor(handle, (s) => s.cause !== null, 'a decision');
    expect(status.cause).toBe('healthy');
    await handle.signal(cancelSignal, { by: 'test', reason: 'done' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  });
});
