import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { alertIncidentId, deliverAlert } from '../../src/app/alerts.ts';
import { incidentSlot, statusQuery, timelineQuery, utcDay, type AlertSignal } from '../../src/contract/index.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

let ih: IntakeHarness;
const IDEOGRAM = { runbook: 'ideogram', service: 'ideogram-service' };
/** Today's `generation`-th incident of the Ideogram slot. */
const generationId = (generation: number) => alertIncidentId(IDEOGRAM, ih.h.taskQueue, utcDay(new Date()), generation);

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
    const answer = await ih.post(
      '/hooks/alertmanager',
      alertmanagerBody([
        { fingerprint: 'fp-first', labels: { runbook: 'ideogram', service: 'ideogram-service', severity: 'page' } },
      ]),
    );
    expect(answer).toEqual({ status: 202, body: { accepted: 1 } });
    const [entry] = await ih.waitForAlerts(1);
    expect(entry!.message).toContain(
      'alertmanager alert firing: Ideogram generate calls failing (fingerprint fp-first)',
    );
    expect(entry!.data).toMatchObject({
      fingerprint: 'fp-first',
      labels: { severity: 'page', alertname: 'IdeogramDown' },
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    });
    // The alert comes first: the signal that started the incident is handled before it runs.
    const timeline = await until(
      async () => (await ih.incident()).query(timelineQuery),
      (t) => t.some((e) => e.kind === 'state'),
      'the investigating state',
    );
    expect(timeline[0]!.kind).toBe('alert');
    expect(timeline.find((e) => e.kind === 'state')!.message).toBe(
      'investigating: alert by alertmanager — "Ideogram generate calls failing"',
    );
  });

  it('records a burst of 500 alerts for one group on the one open incident, none dropped or doubled', async () => {
    const before = (await (await ih.incident()).describe()).runId;
    const fingerprints = Array.from({ length: 500 }, (_, i) => `burst-${i}`);
    // Without labels: the first runbook and its only service, the same incident as above.
    const answers = await Promise.all(
      fingerprints.map((fingerprint) => ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint }]))),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    // Each received exactly once: 501 with the first, never more however long we look.
    await ih.waitForAlerts(501);
    expect(await ih.alertsReceived()).toBe(501);
    // The timeline stays bounded: the newest alerts are on it, the rest are counted in an elision summary.
    const timeline = await (await ih.incident()).query(timelineQuery);
    expect(timeline.length).toBeLessThan(300);
    expect(timeline.some((e) => typeof e.data === 'object' && e.data !== null && 'elided' in e.data)).toBe(true);
    expect(
      timeline.filter((e) => e.kind === 'alert' && (e.data as { fingerprint: string }).fingerprint.startsWith('burst-'))
        .length,
    ).toBeGreaterThan(0);
    expect((await (await ih.incident()).describe()).runId).toBe(before);
    const history = await (await ih.incident()).fetchHistory();
    expect(history.events!.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
  });

  it('records a resolved alert and re-checks with real calls, leaving the incident open', async () => {
    const recorded = await ih.alertsReceived();
    expect(
      (await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-first', status: 'resolved' }])))
        .status,
    ).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(entries.at(-1)!.message).toContain('alertmanager alert resolved');
    const timeline = await (await ih.incident()).query(timelineQuery);
    expect(
      timeline.some((e) => e.message.startsWith('Re-check requested: alertmanager reports the alert resolved')),
    ).toBe(true);
    // The provider is still down: the probes, not the alert, say whether it is over.
    expect((await (await ih.incident()).describe()).status.name).toBe('RUNNING');
    expect((await (await ih.incident()).query(statusQuery)).state).not.toMatch(/resolved|closed/);
  });

  it('refuses malformed JSON, an unknown runbook or service label, with the reason, starting nothing and logging no body', async () => {
    const recorded = await ih.alertsReceived();
    const lastSeq = Math.max(0, ...(await ih.alertEntries()).map((e) => e.seq ?? 0));
    const malformed = await ih.post('/hooks/alertmanager', '{"version": "4", "alerts": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/^malformed JSON/);
    const wrongVersion = await ih.post(
      '/hooks/alertmanager',
      alertmanagerBody([{ fingerprint: 'x' }]).replace('"version":"4"', '"version":"3"'),
    );
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.error).toContain('version "4"');
    const unknownRunbook = await ih.post(
      '/hooks/alertmanager',
      alertmanagerBody([{ fingerprint: 'fp-secret-a', labels: { runbook: 'nope', token: 'sk-do-not-log' } }]),
    );
    expect(unknownRunbook).toEqual({
      status: 422,
      body: { error: expect.stringContaining('runbook label: unknown runbook "nope" — known: ') },
    });
    const unknownService = await ih.post(
      '/hooks/alertmanager',
      alertmanagerBody([{ fingerprint: 'fp-ok' }, { fingerprint: 'fp-secret-b', labels: { service: 'billing' } }]),
    );
    expect(unknownService).toEqual({
      status: 422,
      body: { error: expect.stringContaining('unknown service label "billing"') },
    });
    expect(
      await executionExists(
        alertIncidentId({ runbook: 'nope', service: 'ideogram-service' }, ih.h.taskQueue, utcDay(new Date())),
      ),
    ).toBe(false);
    // A good alert after the refused ones is delivered in order: had any refused alert been queued, it would show first.
    expect(
      (await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'fp-after-refusals' }]))).status,
    ).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(await ih.alertsReceived()).toBe(recorded + 1);
    expect(
      entries.filter((e) => (e.seq ?? 0) > lastSeq).map((e) => (e.data as { fingerprint: string }).fingerprint),
    ).toEqual(['fp-after-refusals']);
    expect(ih.logText()).toContain('intake request refused');
    expect(ih.logText()).not.toContain('sk-do-not-log');
    expect(ih.logText()).not.toContain('fp-secret');
  });

  it('opens the next generation under a new id once the previous incident closed; the closed one keeps its id and history', async () => {
    const firstId = generationId(1);
    const closed = await ih.incident();
    expect(closed.workflowId).toBe(firstId);
    const closedRun = (await closed.describe()).runId;
    await closed.terminate('outage over for this test');
    const closedEvents = (await closed.fetchHistory()).events!.length;
    expect(
      (
        await ih.post(
          '/hooks/alertmanager',
          alertmanagerBody([{ fingerprint: 'fp-next-outage', summary: 'Ideogram down again' }]),
        )
      ).status,
    ).toBe(202);
    const secondId = generationId(2);
    expect(secondId).toBe(`incident:ideogram:ideogram-service:${utcDay(new Date())}-2@${ih.h.taskQueue}`);
    // Delivered after the 202: the new incident shows up once the signal-with-start reached the server.
    await until(
      async () => (await ih.incident()).workflowId,
      (id) => id === secondId,
      'the second generation',
    );
    const entries = await ih.waitForAlerts(1);
    expect(entries.map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['fp-next-outage']);
    // The first incident was not started again: same run, closed, its history unchanged.
    const first = ih.h.client.workflow.getHandle(firstId);
    expect(await first.describe()).toMatchObject({ runId: closedRun, status: { name: 'TERMINATED' } });
    expect((await first.fetchHistory()).events).toHaveLength(closedEvents);
  });

  it('delivers concurrent alerts after a close into one new generation, started once', async () => {
    const secondId = generationId(2);
    await ih.h.client.workflow.getHandle(secondId).terminate('second outage over for this test');
    const alert = (fingerprint: string): AlertSignal => ({
      source: 'alertmanager',
      status: 'firing',
      fingerprint,
      summary: 'Ideogram down a third time',
      labels: {},
    });
    // Straight to delivery, all at once: the intake's queue would hand them over one by one.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => deliverAlert(ih.h.client, ih.h.taskQueue, IDEOGRAM, alert(`third-${i}`))),
    );
    const thirdId = generationId(3);
    expect(new Set(results.map((r) => r.incidentId))).toEqual(new Set([thirdId]));
    expect((await ih.incident()).workflowId).toBe(thirdId);
    await ih.waitForAlerts(12);
    expect(await ih.alertsReceived()).toBe(12);
    const history = await (await ih.incident()).fetchHistory();
    expect(history.events!.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    expect(await executionExists(generationId(4))).toBe(false);
    expect((await ih.h.client.workflow.getHandle(secondId).describe()).status.name).toBe('TERMINATED');
  });

  it('a process that knows no generation yet walks past the closed ones and joins the open one', async () => {
    const recorded = await ih.alertsReceived();
    vi.resetModules();
    const fresh = await import('../../src/app/alerts.ts');
    expect(fresh.deliverAlert).not.toBe(deliverAlert);
    const answer = await fresh.deliverAlert(ih.h.client, ih.h.taskQueue, IDEOGRAM, {
      source: 'alertmanager',
      status: 'firing',
      fingerprint: 'fresh-process',
      summary: 'Ideogram down a third time',
      labels: {},
    });
    expect(answer.incidentId).toBe(generationId(3));
    expect(await fresh.currentAlertIncidentId(ih.h.client, IDEOGRAM, ih.h.taskQueue)).toBe(answer.incidentId);
    await ih.waitForAlerts(recorded + 1);
    expect(await executionExists(generationId(4))).toBe(false);
  });

  it('records a resolved alert on the newest generation', async () => {
    const recorded = await ih.alertsReceived();
    const answer = await deliverAlert(ih.h.client, ih.h.taskQueue, IDEOGRAM, {
      source: 'alertmanager',
      status: 'resolved',
      fingerprint: 'third-0',
      summary: 'Ideogram down a third time',
      labels: {},
    });
    expect(answer).toEqual({ incidentId: generationId(3), outcome: 'recorded' });
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(entries.at(-1)!.message).toContain('alertmanager alert resolved');
  });

  it('joins an incident opened on an earlier day that is still open, and opens today’s next generation once it closed', async () => {
    await ih.h.client.workflow.getHandle(generationId(3)).terminate('third outage over for this test');
    const yesterday = new Date(Date.now() - 86_400_000);
    const start = {
      runbook: 'ideogram',
      service: 'ideogram-service',
      trigger: 'alert' as const,
      reporter: 'alertmanager',
      symptom: 'Ideogram down since yesterday',
    };
    const alert = (fingerprint: string): AlertSignal => ({
      source: 'alertmanager',
      status: 'firing',
      fingerprint,
      summary: 'Ideogram down since yesterday',
      labels: {},
    });
    const { openOrJoinIncident } = await import('../../src/activities/intake.ts');
    const yesterdayId = await openOrJoinIncident(ih.h.client, ih.h.taskQueue, start, alert('yesterday'), yesterday);
    expect(yesterdayId).toBe(alertIncidentId(IDEOGRAM, ih.h.taskQueue, utcDay(yesterday), 1));
    // A process that knows nothing finds it through visibility, which shows it moments after the start.
    const slotQuery = `IncidentSlot = '${incidentSlot(IDEOGRAM, ih.h.taskQueue)}' AND ExecutionStatus = 'Running'`;
    await until(
      async () => (await ih.h.client.workflow.count(slotQuery)).count,
      (n) => n === 1,
      'visibility to show the open incident',
    );
    vi.resetModules();
    const fresh = await import('../../src/app/alerts.ts');
    expect((await fresh.deliverAlert(ih.h.client, ih.h.taskQueue, IDEOGRAM, alert('today'))).incidentId).toBe(
      yesterdayId,
    );
    expect(await fresh.currentAlertIncidentId(ih.h.client, IDEOGRAM, ih.h.taskQueue)).toBe(yesterdayId);
    expect(await executionExists(generationId(4))).toBe(false);
    // Closed: the next outage gets today's next id. The closed one is never started again (a plain
    // signal, never signal-with-start, for an earlier day's id), so retention deleting it cannot free its id.
    const handle = ih.h.client.workflow.getHandle(yesterdayId);
    await handle.terminate('outage over');
    const closedRun = (await handle.describe()).runId;
    expect((await fresh.deliverAlert(ih.h.client, ih.h.taskQueue, IDEOGRAM, alert('after-close'))).incidentId).toBe(
      generationId(4),
    );
    expect(await handle.describe()).toMatchObject({ runId: closedRun, status: { name: 'TERMINATED' } });
  });
});
