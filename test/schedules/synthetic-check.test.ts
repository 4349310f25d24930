import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ServiceCatalog } from '../../src/activities/catalog.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { currentAlertIncidentId } from '../../src/app/alerts.ts';
import { createSyntheticSchedule, prepareSyntheticSchedule } from '../../src/app/schedules.ts';
import { alertIncidentId, SYNTHETIC_BILLED_MEMO, timelineQuery, utcDay } from '../../src/contract/index.ts';
import { historyToJson, maybeRecordHistory } from '../e2e/support/histories.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { triggerRun, until } from './support.ts';

let h: Harness;
const catalog = new ServiceCatalog([]);
const schedules: string[] = [];

beforeAll(async () => {
  // The harness registers its simulator-backed ideogram-service in this catalog.
  h = await startHarness({ scenario: 'healthy', deps: { catalog } });
});

afterAll(async () => {
  for (const id of schedules)
    await h.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await h.client.workflow
    .getHandle(await currentAlertIncidentId(h.client, IDEOGRAM, h.taskQueue))
    .terminate('test over')
    .catch(() => undefined);
  await h.close();
});

const IDEOGRAM = { runbook: 'ideogram', service: 'ideogram-service' };
/** The first generation: no incident of this slot closes during these tests. */
const incidentId = () => alertIncidentId(IDEOGRAM, h.taskQueue, utcDay(new Date()));

/** A schedule that never fires by itself during the test (24 h): runs are triggered. */
async function schedule(billedPerDay = 48): Promise<string> {
  const prepared = prepareSyntheticSchedule(h.taskQueue, catalog, {
    id: `synthetic-test-${randomUUID()}`,
    runbook: 'ideogram',
    service: 'ideogram-service',
    every: '24h',
    billedPerDay,
  });
  const { scheduleId } = await createSyntheticSchedule(h.client, h.taskQueue, prepared);
  schedules.push(scheduleId);
  return scheduleId;
}

async function incidentExists(): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(incidentId()).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

async function record(name: string, workflowId: string, runId: string): Promise<void> {
  const json = historyToJson(await h.client.workflow.getHandle(workflowId, runId).fetchHistory());
  expect(json.includes(TEST_API_KEY)).toBe(false);
  await maybeRecordHistory(name, { workflowId, runId, json });
}

const generateCalls = () => h.sim.requests().filter((r) => r.endpoint === 'legacy' || r.endpoint === 'v3').length;

describe('scheduled synthetic checks (Temporal Schedule, real worker, simulator)', () => {
  it('a healthy run triages with every probe and opens nothing', async () => {
    h.sim.setScenario('healthy');
    const id = await schedule();
    const run = await triggerRun(h.client, id);
    expect(run.result).toMatchObject({
      outcome: 'healthy',
      billed: true,
      incidentId: null,
      note: null,
      decision: { cause: 'healthy' },
    });
    expect(run.result.probes.map((p) => p.probe).sort()).toEqual([
      'dns',
      'download',
      'latency',
      'legacy_generate',
      'status_page',
      'v3_generate',
    ]);
    expect(run.result.budget).toMatchObject({ spentBefore: 0, perDay: 48, thisRun: 2 });
    expect(await incidentExists()).toBe(false);
    await record('synthetic-check-healthy', run.workflowId, run.runId);
  });

  it('once the daily billed budget is spent, a run uses free probes only and says so', async () => {
    h.sim.setScenario('healthy');
    // One full triage costs 2 billed calls (legacy, v3; the latency is read from the legacy call): the budget allows exactly one.
    const id = await schedule(2);
    const first = await triggerRun(h.client, id);
    expect(first.result).toMatchObject({ billed: true, budget: { spentBefore: 0, thisRun: 2 } });
    // The ledger is the runs' memos in visibility: wait until the first run's spending is visible.
    await until(
      async () => {
        const runs = [];
        for await (const r of h.client.workflow.list({ query: `TemporalScheduledById = '${id}'` })) runs.push(r);
        return runs;
      },
      (runs) => runs.some((r) => r.runId === first.runId && r.memo?.[SYNTHETIC_BILLED_MEMO] !== undefined),
      'the first run in visibility',
    );
    const callsBefore = generateCalls();
    const second = await triggerRun(h.client, id);
    expect(generateCalls()).toBe(callsBefore);
    expect(second.result).toMatchObject({
      outcome: 'healthy',
      billed: false,
      budget: { spentBefore: 2, perDay: 2, thisRun: 0 },
    });
    expect(second.result.note).toContain('daily billed budget spent (2 of 2 billed calls used');
    expect(second.result.note).toContain('free probes only (dns, status_page)');
    expect(second.result.probes.map((p) => p.probe).sort()).toEqual(['dns', 'status_page']);
    await record('synthetic-check-free-only', second.workflowId, second.runId);
  });

  it('in an outage a run opens one incident (trigger synthetic) and a second run joins it', async () => {
    // An outage that lasts (the built-in outage-500 recovers after 14 requests): both runs see it.
    h.sim.setScenario([{ legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } }]);
    const id = await schedule();
    expect(await incidentExists()).toBe(false);
    const first = await triggerRun(h.client, id);
    expect(first.result).toMatchObject({
      outcome: 'fault',
      billed: true,
      incidentId: incidentId(),
      decision: { cause: 'provider_outage', severity: 'P1' },
    });
    const incident = h.client.workflow.getHandle<IncidentWorkflow>(incidentId());
    const described = await incident.describe();
    expect(described.status.name).toBe('RUNNING');
    expect((described.memo?.summary as { trigger?: string }).trigger).toBe('synthetic');
    const opened = await until(
      () => incident.query(timelineQuery),
      (t) => t.some((e) => e.kind === 'state'),
      'the incident to start',
    );
    expect(opened.find((e) => e.kind === 'state')!.message).toMatch(
      /^investigating: synthetic by synthetic-check — "Synthetic check .*P1 provider_outage/,
    );

    const second = await triggerRun(h.client, id);
    expect(second.result).toMatchObject({ outcome: 'fault', incidentId: incidentId() });
    // No second workflow: the same run of the same incident holds both checks' alerts.
    expect((await incident.describe()).runId).toBe(described.runId);
    const alerts = await until(
      () => incident.query(timelineQuery),
      (t) => t.filter((e) => e.kind === 'alert').length >= 2,
      'both synthetic alerts',
    );
    const synthetic = alerts.filter((e) => e.kind === 'alert');
    expect(synthetic).toHaveLength(2);
    expect(
      synthetic.every(
        (e) =>
          e.message.startsWith('synthetic alert firing: Synthetic check') &&
          (e.data as { fingerprint: string }).fingerprint === `synthetic:${id}`,
      ),
    ).toBe(true);
    await record('synthetic-check-fault', first.workflowId, first.runId);
  });
});
