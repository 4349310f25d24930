import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { alertIncidentId } from '../../src/app/alerts.ts';
import { statusQuery, timelineQuery } from '../../src/contract/index.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness();
});

afterAll(async () => {
  await ih?.close();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function executionExists(id: string): Promise<boolean> {
  try {
    await ih.h.client.workflow.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

describe('POST /hooks/alertmanager', () => {
  it('opens an incident for the labelled runbook and service, trigger alert, the summary as symptom and the alert on the timeline', async () => {
    const answer = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-first', labels: { runbook: 'ideogram', service: 'ideogram-service', severity: 'page' } }]));
    expect(answer).toEqual({ status: 202, body: { accepted: 1 } });
    const [entry] = await ih.waitForAlerts(1);
    expect(entry!.message).toContain('alertmanager alert firing: Ideogram generate calls failing (fingerprint fp-first)');
    expect(entry!.data).toMatchObject({ fingerprint: 'fp-first', labels: { severity: 'page', alertname: 'IdeogramDown' }, generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up' });
    // The alert comes first: the signal that started the incident is handled before it runs.
    const timeline = await until(() => ih.incident().query(timelineQuery), (t) => t.some((e) => e.kind === 'state'), 'the investigating state');
    expect(timeline[0]!.kind).toBe('alert');
    expect(timeline.find((e) => e.kind === 'state')!.message).toBe('investigating: alert by alertmanager — "Ideogram generate calls failing"');
  });

  it('records a burst of 500 alerts for one group on the one open incident, none dropped or doubled', async () => {
    const before = (await ih.incident().describe()).runId;
    const fingerprints = Array.from({ length: 500 }, (_, i) => `burst-${i}`);
    // Without labels: the first runbook and its only service, the same incident as above.
    const answers = await Promise.all(fingerprints.map((fingerprint) => ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint }]))));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    // Each received exactly once: 501 with the first, never more however long we look.
    await ih.waitForAlerts(501);
    expect(await ih.alertsReceived()).toBe(501);
    // The timeline stays bounded: the newest alerts are on it, the rest are counted in an elision summary.
    const timeline = await ih.incident().query(timelineQuery);
    expect(timeline.length).toBeLessThan(300);
    expect(timeline.some((e) => typeof e.data === 'object' && e.data !== null && 'elided' in e.data)).toBe(true);
    expect(timeline.filter((e) => e.kind === 'alert' && (e.data as { fingerprint: string }).fingerprint.startsWith('burst-')).length).toBeGreaterThan(0);
    expect((await ih.incident().describe()).runId).toBe(before);
    const history = await ih.incident().fetchHistory();
    expect(history.events!.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
  });

  it('records a resolved alert and re-checks with real calls, leaving the incident open', async () => {
    const recorded = await ih.alertsReceived();
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-first', status: 'resolved' }]))).status).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(entries.at(-1)!.message).toContain('alertmanager alert resolved');
    const timeline = await ih.incident().query(timelineQuery);
    expect(timeline.some((e) => e.message.startsWith('Re-check requested: alertmanager reports the alert resolved'))).toBe(true);
    // The provider is still down: the probes, not the alert, say whether it is over.
    expect((await ih.incident().describe()).status.name).toBe('RUNNING');
    expect((await ih.incident().query(statusQuery)).state).not.toMatch(/resolved|closed/);
  });

  it('refuses malformed JSON, an unknown runbook or service label, with the reason, starting nothing and logging no body', async () => {
    const recorded = await ih.alertsReceived();
    const lastSeq = Math.max(0, ...(await ih.alertEntries()).map((e) => e.seq ?? 0));
    const malformed = await ih.post('/hooks/alertmanager', '{"version": "4", "alerts": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/^malformed JSON/);
    const wrongVersion = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'x' }]).replace('"version":"4"', '"version":"3"'));
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.error).toContain('version "4"');
    const unknownRunbook = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-secret-a', labels: { runbook: 'nope', token: 'sk-do-not-log' } }]));
    expect(unknownRunbook).toEqual({ status: 422, body: { error: expect.stringContaining('unknown runbook label "nope"') } });
    const unknownService = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-ok' }, { fingerprint: 'fp-secret-b', labels: { service: 'billing' } }]));
    expect(unknownService).toEqual({ status: 422, body: { error: expect.stringContaining('unknown service label "billing"') } });
    expect(await executionExists(alertIncidentId({ runbook: 'nope', service: 'ideogram-service' }, ih.h.taskQueue))).toBe(false);
    // A good alert after the refused ones is delivered in order: had any refused alert been queued, it would show first.
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-after-refusals' }]))).status).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(await ih.alertsReceived()).toBe(recorded + 1);
    expect(entries.filter((e) => (e.seq ?? 0) > lastSeq).map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['fp-after-refusals']);
    expect(ih.logText()).toContain('intake request refused');
    expect(ih.logText()).not.toContain('sk-do-not-log');
    expect(ih.logText()).not.toContain('fp-secret');
  });

  it('opens a new incident under the same id once the previous one closed', async () => {
    const closedRun = (await ih.incident().describe()).runId;
    await ih.incident().terminate('outage over for this test');
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-next-outage', summary: 'Ideogram down again' }]))).status).toBe(202);
    // Delivered after the 202: the new run shows up once the signal-with-start reached the server.
    await until(() => ih.incident().describe(), (d) => d.runId !== closedRun, 'a new run');
    const entries = await ih.waitForAlerts(1);
    expect(entries.map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['fp-next-outage']);
    expect((await ih.incident().describe()).runId).not.toBe(closedRun);
  });
});
