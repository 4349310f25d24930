import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSED_TIMINGS } from '../../src/app/drill-timings.ts';
import { RequestRefusedError } from '../../src/app/errors.ts';
import { loadConfig } from '../../src/config/index.ts';
import { approveSignal, timelineQuery, type IncidentResult, type TimelineEntry } from '../../src/contract/index.ts';
import { alertTimings } from '../../src/server/intake/timings.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { historyToJson, maybeRecordHistory, searchableHistoryText } from './support/histories.ts';

/**
 * The drill, started the way real incidents start: an Alertmanager webhook. The service runs as
 * `runbook dev` on its own dev server with RUNBOOK_INTAKE_DRILL_TIMINGS, so the alert incident
 * runs on the drill's compressed clock against the simulator's outage.
 */
let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness({ RUNBOOK_INTAKE_DRILL_TIMINGS: 'true' }, { mode: 'local-dev-server' });
});

afterAll(async () => {
  await ih?.close();
});

const LABELS = { runbook: 'ideogram', service: 'ideogram-service', severity: 'page' };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const indexOf = (timeline: TimelineEntry[], predicate: (e: TimelineEntry) => boolean) => timeline.findIndex(predicate);
const lastIndexOf = (timeline: TimelineEntry[], predicate: (e: TimelineEntry) => boolean) =>
  timeline.map(predicate).lastIndexOf(true);

describe('alert → incident → resolution, drill-style (intake, worker, simulator, record-only target)', () => {
  it('drill timings for alert incidents are refused anywhere but `runbook dev` on its own dev server', () => {
    const config = loadConfig({ RUNBOOK_INTAKE_DRILL_TIMINGS: 'true' });
    expect(() => alertTimings(config, 'service')).toThrow(RequestRefusedError);
    expect(() => alertTimings(config, 'service')).toThrow(
      /honoured only by `runbook dev` running its own local Temporal dev server/,
    );
    expect(alertTimings(config, 'local-dev-server')).toBe(COMPRESSED_TIMINGS);
    expect(alertTimings(loadConfig({}), 'service')).toBeUndefined();
  });

  it('a firing alert opens the incident, a human approves the fallback, the provider recovers, the resolved alert is recorded and the probes resolve it; the postmortem starts with the alert', async () => {
    expect(
      (
        await ih.post(
          '/hooks/alertmanager',
          alertmanagerBody([
            { fingerprint: 'drill-alert', labels: LABELS, summary: 'Ideogram generate calls failing' },
          ]),
        )
      ).status,
    ).toBe(202);
    // Delivered after the 202: the incident exists once the signal-with-start reached the server.
    const { runId } = await until(
      async () => (await ih.incident()).describe(),
      () => true,
      'the alert incident',
    );
    const handle = await ih.incident();

    // The start request holds the compressed clock, chosen by the service (not by the alert).
    const history = await handle.fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8')) as {
      trigger: string;
      timings: { pollInitialMs: number };
    };
    expect(input).toMatchObject({ trigger: 'alert', timings: { pollInitialMs: COMPRESSED_TIMINGS.pollInitialMs } });

    // Triage and decision against the simulator's lasting outage: the P1 plan waits for a human.
    const asked = await ih.h.waitFor(
      handle,
      (s) => s.pendingApprovals.some((p) => p.stepId === 'enable-fallback'),
      'the enable-fallback approval',
    );
    expect(asked).toMatchObject({ cause: 'provider_outage', severity: 'P1' });
    await handle.signal(approveSignal, { stepId: 'enable-fallback', by: 'bob', comment: 'fallback on' });
    await ih.h.waitFor(handle, (s) => s.state === 'monitoring', 'monitoring with fallback on');

    // The provider recovers; Alertmanager then reports the alert resolved.
    ih.h.sim.setScenario([{}]);
    expect(
      (
        await ih.post(
          '/hooks/alertmanager',
          alertmanagerBody([{ fingerprint: 'drill-alert', labels: LABELS, status: 'resolved' }]),
        )
      ).status,
    ).toBe(202);
    await until(
      () => handle.query(timelineQuery),
      (t) => t.some((e) => e.kind === 'alert' && e.message.includes('alert resolved')),
      'the resolved alert on the timeline',
    );

    const result: IncidentResult = await ih.h.approveWhenAsked(handle);
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', severity: 'P1' });
    expect(result.approvals.map((a) => [a.stepId, a.by, a.decision])).toEqual([
      ['enable-fallback', 'bob', 'approved'],
      ['disable-fallback', 'bob', 'approved'],
    ]);

    // Resolved by the probes: after the resolved alert, real calls had to pass before the incident ended.
    const timeline = result.timeline;
    const resolvedAlert = indexOf(timeline, (e) => e.kind === 'alert' && e.message.includes('alert resolved'));
    const lastHealthy = lastIndexOf(
      timeline,
      (e) => e.kind === 'probe' && /real check \d+: healthy 3\/3/.test(e.message),
    );
    const resolvedState = indexOf(timeline, (e) => e.kind === 'state' && e.message.startsWith('resolved'));
    expect(timeline[0]).toMatchObject({ kind: 'alert', data: { fingerprint: 'drill-alert', status: 'firing' } });
    expect(resolvedAlert).toBeGreaterThan(0);
    expect(lastHealthy).toBeGreaterThan(resolvedAlert);
    expect(resolvedState).toBeGreaterThan(lastHealthy);
    expect(
      timeline.some((e) => e.message.startsWith('Re-check requested: alertmanager reports the alert resolved')),
    ).toBe(true);
    expect(timeline[resolvedState]!.message).toMatch(/^resolved: Ideogram outage/);

    // The postmortem's timeline opens with the alert that started it all.
    const lines = result.postmortem.split('\n');
    const firstTimelineLine = lines[lines.indexOf('### Timeline') + 1];
    expect(firstTimelineLine).toMatch(
      /^- \d\d:\d\d - First alert triggered: alertmanager alert firing: Ideogram generate calls failing \(fingerprint drill-alert\)/,
    );
    expect(result.postmortem).toMatch(/- \d\d:\d\d - Resolved: Ideogram outage/);
    expect(await readFile(result.postmortemPath!, 'utf8')).toBe(result.postmortem);

    // Stored for replay (RECORD_HISTORIES=1): an incident that received alert signals, firing and resolved.
    const json = historyToJson(await ih.h.client.workflow.getHandle(handle.workflowId, runId).fetchHistory());
    expect(searchableHistoryText(json).includes(TEST_API_KEY)).toBe(false);
    await maybeRecordHistory('alert-provider-outage', { workflowId: handle.workflowId, runId, json });
  });
});
