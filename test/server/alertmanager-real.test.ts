import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/contract/index.ts';
import {
  alertmanagerAvailable,
  ALERTMANAGER_HINT,
  startAlertmanager,
  type RunningAlertmanager,
} from '../support/alertmanager.ts';
import { startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

const available = alertmanagerAvailable();
if (!available) console.warn(`\n*** ${ALERTMANAGER_HINT} ***\n`);

let ih: IntakeHarness;
let am: RunningAlertmanager;

const labels = { alertname: 'IdeogramGenerateFailing', runbook: 'ideogram', service: 'ideogram-service' };
const instancesOf = (entries: TimelineEntry[], status: string) =>
  new Set(
    entries
      .filter((e) => (e.data as { status: string }).status === status)
      .map((e) => (e.data as { labels: Record<string, string> }).labels.instance),
  );

/** Alertmanager notifies on its own schedule: poll the incident's alerts until `done`. */
async function alertsUntil(done: (entries: TimelineEntry[]) => boolean, what: string): Promise<TimelineEntry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const entries = await ih.alertEntries().catch(() => []);
    if (done(entries)) return entries;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; alerts: ${JSON.stringify(entries.map((e) => e.message))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)('a real Alertmanager delivering to the intake', () => {
  beforeAll(async () => {
    ih = await startIntakeHarness();
    am = await startAlertmanager(new URL('/hooks/alertmanager', ih.console.url).href);
  });

  afterAll(async () => {
    await am?.stop();
    await ih?.close();
  });

  it('opens one incident from a firing alert, dedupes a second one into it and records the resolved notification', async () => {
    await am.postAlerts([
      {
        labels: { ...labels, instance: 'api-1' },
        annotations: { summary: 'generate failing on api-1' },
        generatorURL: 'http://prometheus.local/graph?g0.expr=up',
      },
    ]);
    const first = await alertsUntil((e) => instancesOf(e, 'firing').has('api-1'), 'the first alert');
    expect(first[0]!.message).toContain('generate failing on api-1');
    expect(first[0]!.data).toMatchObject({
      source: 'alertmanager',
      generatorURL: 'http://prometheus.local/graph?g0.expr=up',
      labels: { runbook: 'ideogram', service: 'ideogram-service' },
    });
    const run = (await (await ih.incident()).describe()).runId;

    await am.postAlerts([
      { labels: { ...labels, instance: 'api-2' }, annotations: { summary: 'generate failing on api-2' } },
    ]);
    await alertsUntil((e) => instancesOf(e, 'firing').has('api-2'), 'the second alert');
    expect((await (await ih.incident()).describe()).runId).toBe(run);

    // An alert whose end lies in the past is resolved: Alertmanager sends a resolved notification.
    await am.postAlerts([
      {
        labels: { ...labels, instance: 'api-1' },
        annotations: { summary: 'generate failing on api-1' },
        endsAt: new Date(Date.now() - 1000).toISOString(),
      },
    ]);
    await alertsUntil((e) => instancesOf(e, 'resolved').has('api-1'), 'the resolved notification');
    const history = await (await ih.incident()).fetchHistory();
    expect(history.events!.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    expect((await (await ih.incident()).describe()).status.name).toBe('RUNNING');
  });
});
