import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { RecordOnlyTarget } from '../../src/activities/kubernetes/index.ts';
import type { IncidentResult } from '../../src/contract/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { exportHistories, maybeRecordHistory, searchableHistoryText, type ExportedRun } from './support/histories.ts';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const model = () => (h.target as RecordOnlyTarget).snapshot();
const deployment = () => model().deployments['payments/ideogram-service']!;

const exported: ExportedRun[] = [];

/** Runs to completion, exports every run's history, and (RECORD_HISTORIES=1) stores one per cause for replay. */
async function finish(handle: IncidentHandle): Promise<IncidentResult> {
  const result = await h.approveWhenAsked(handle);
  const runs = await exportHistories(h.client, handle);
  exported.push(...runs);
  if (result.cause) await maybeRecordHistory(result.cause, runs[0]!);
  // Every cause ends with the postmortem of the runbook page's template, written to disk as well as returned.
  expect(result.postmortem).toMatch(
    /^## Incident: Ideogram Integration — .+\n\n- \*\*Date:\*\* \d{4}-\d\d-\d\d \d\d:\d\d UTC\n- \*\*Duration:\*\* \d+ (s|min|h)\b.*\n- \*\*Severity:\*\* P[1-4]\n/,
  );
  for (const heading of ['### Summary', '### Timeline', '### Root Cause', '### Action Items'])
    expect(result.postmortem).toContain(heading);
  expect(result.postmortem).toMatch(/- \d\d:\d\d - First alert triggered\n- \d\d:\d\d - Triage started/);
  expect(result.postmortem).toMatch(/\n- \*\*(Fix|Prevention):\*\* /);
  expect(result.postmortem).not.toContain('[ ]');
  // A fix ends "Resolved"; a false alarm or a prompt problem ends "Closed" (nothing was resolved).
  expect(result.postmortem).toMatch(
    result.state === 'closed' ? /\n- \d\d:\d\d - Closed: / : /\n- \d\d:\d\d - Resolved: /,
  );
  expect(await readFile(result.postmortemPath!, 'utf8')).toBe(result.postmortem);
  return result;
}

async function runScenario(scenario: string, overrides = {}): Promise<IncidentResult> {
  h.sim.setScenario(scenario);
  n += 1;
  return finish(await h.start(overrides, `${h.taskQueue}-${scenario}-${n}`));
}

describe('every cause, end to end on the dev server against the simulator and the record-only target', () => {
  it('auth_failure: key checked (length only), new key by reference, applied, restarted, verified', async () => {
    const result = await runScenario('auth-401');
    expect(result).toMatchObject({ state: 'resolved', cause: 'auth_failure', severity: 'P1' });
    expect(result.timeline.some((e) => /Key present: YES; key length: \d+/.test(e.message))).toBe(true);
    const secret = result.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(secret.change).toBe('secret/ideogram-secrets key api-key from env:NEW_IDEOGRAM_KEY');
    expect(secret.kubectl).toContain('--from-literal=api-key="$NEW_KEY"');
    expect(model().secrets['payments/ideogram-secrets']).toEqual({ 'api-key': 'sk-new-6a1b2c3d4e5f' });
    expect(JSON.stringify(result)).not.toContain('sk-new-6a1b2c3d4e5f');
    expect(result.approvals.map((a) => a.stepId)).toEqual(['new-key-reference', 'apply-new-key']);
    expect(result.postmortem).toContain('Key rotated');
  });

  it('rate_limited: concurrency 3, watched, restored to the recorded value', async () => {
    const result = await runScenario('rate-limit-429');
    expect(result).toMatchObject({ state: 'resolved', cause: 'rate_limited', severity: 'P2' });
    const reduce = result.mutations.find((m) => m.step === 'reduce-concurrency')!;
    expect(reduce.kubectl).toBe('kubectl set env deployment/ideogram-service IDEOGRAM_CONCURRENCY=3 -n payments');
    expect(reduce.previous).toEqual([
      { container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
      { container: 'worker', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
    ]);
    expect(reduce.revertedAt).toBeDefined();
    expect(
      deployment().containers.every((c) => c.env.find((e) => e.name === 'IDEOGRAM_CONCURRENCY')?.value === '8'),
    ).toBe(true);
    expect(result.approvals.map((a) => a.stepId)).toEqual(['reduce-concurrency', 'restore-concurrency']);
  });

  it('credits_exhausted: batch jobs paused, top-up confirmed, verified, resumed exactly as before', async () => {
    const result = await runScenario('credits-402');
    expect(result).toMatchObject({ state: 'resolved', cause: 'credits_exhausted', severity: 'P1' });
    const pause = result.mutations.find((m) => m.step === 'pause-batch-jobs')!;
    expect(pause.previous).toEqual([
      { name: 'nightly-batch', suspended: false },
      { name: 'weekly-batch', suspended: true },
    ]);
    expect(pause.revertedAt).toBeDefined();
    expect(model().cronJobs['payments/nightly-batch']!.suspended).toBe(false);
    expect(model().cronJobs['payments/weekly-batch']!.suspended).toBe(true);
    expect(result.approvals.map((a) => a.stepId)).toEqual(['pause-batch-jobs', 'confirm-top-up']);
  });

  it('safety_rejection: not an outage, closed with a prompt-review recommendation', async () => {
    const result = await runScenario('safety-422');
    expect(result).toMatchObject({ state: 'closed', cause: 'safety_rejection', severity: 'P3', mutations: [] });
    expect(result.timeline.some((e) => e.message.includes('not an outage'))).toBe(true);
  });

  it('healthy: recorded as a false alarm (P4)', async () => {
    const result = await runScenario('healthy');
    expect(result).toMatchObject({ state: 'closed', cause: 'healthy', severity: 'P4', mutations: [] });
    expect(result.postmortem).toContain('False alarm');
  });

  it.each([
    ['partial-outage', 'partial_outage', 'confirm-partial-outage-handled'],
    ['timeout', 'degraded_performance', 'confirm-performance-handled'],
    ['expired-download', 'download_failure', 'confirm-downloads-handled'],
  ])('%s → %s: the runbook’s checks, human confirmation, resolved', async (scenario, cause, step) => {
    const result = await runScenario(scenario);
    expect(result).toMatchObject({ state: 'resolved', cause, mutations: [] });
    expect(result.approvals.map((a) => a.stepId)).toEqual([step]);
    expect(result.timeline.filter((e) => e.message.startsWith('Check: ')).length).toBeGreaterThanOrEqual(3);
  });

  it('network_dns: an unresolvable API host', async () => {
    h.sim.setScenario('healthy');
    n += 1;
    const input = h.input();
    const handle = await h.start(
      {
        service: {
          ...input.service,
          baseUrl: `http://${h.sim.unresolvableHost}:${new URL(h.sim.baseUrl).port}`,
          apiHost: h.sim.unresolvableHost,
        },
      },
      `${h.taskQueue}-dns-${n}`,
    );
    const result = await finish(handle);
    expect(result).toMatchObject({ state: 'resolved', cause: 'network_dns', severity: 'P1' });
    expect(result.approvals.map((a) => a.stepId)).toEqual(['confirm-network-fixed']);
  });

  it('quality_regression: reported by a human, checked, confirmed', async () => {
    const result = await runScenario('healthy', {
      suspectedCause: 'quality_regression',
      symptom: 'images look washed out',
    });
    expect(result).toMatchObject({ state: 'resolved', cause: 'quality_regression', severity: 'P3' });
    expect(result.timeline.some((e) => e.message.includes('magic_prompt'))).toBe(true);
  });

  it('never writes the API key (or the new key) into any workflow history', () => {
    expect(exported.length).toBeGreaterThanOrEqual(10);
    for (const run of exported) {
      const text = searchableHistoryText(run.json);
      // The reference is there (so the search looks in the right place); the values are not.
      expect(text.includes('HARNESS_IDEOGRAM_API_KEY'), run.workflowId).toBe(true);
      expect(text.includes(TEST_API_KEY), `${run.workflowId} leaks the API key`).toBe(false);
      expect(text.includes('sk-new-6a1b2c3d4e5f'), `${run.workflowId} leaks the new key`).toBe(false);
    }
  });

  it('leaves the deployment exactly as it was, but for the restart annotation', () => {
    const d = deployment();
    expect(d.containers.map((c) => c.env.map((e) => `${e.name}=${e.value}`).sort())).toEqual([
      ['IDEOGRAM_CONCURRENCY=8', 'LOG_LEVEL=info'],
      ['IDEOGRAM_CONCURRENCY=8', 'LOG_LEVEL=info'],
    ]);
    // No owner record of the incident is left on the deployment.
    expect(model().annotations ?? {}).toEqual({});
  });
});
