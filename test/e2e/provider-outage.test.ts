import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { IncidentResult } from '../../src/contract/index.ts';
import type { RecordOnlyTarget } from '../../src/activities/kubernetes/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { exportHistories, maybeRecordHistory, searchableHistoryText } from './support/histories.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ scenario: 'outage-503' });
});
afterAll(() => h.close());

describe('provider outage, end to end (dev server, simulator, record-only target)', () => {
  it('enables fallback, waits out the outage, restores, verifies and writes the postmortem', async () => {
    const before = (h.target as RecordOnlyTarget).snapshot().deployments['payments/ideogram-service']!;
    const handle = await h.start();
    const result: IncidentResult = await h.approveWhenAsked(handle);
    const [history] = await exportHistories(h.client, handle);
    await maybeRecordHistory('provider_outage', history!);
    expect(searchableHistoryText(history!.json).includes(TEST_API_KEY)).toBe(false);
    expect(searchableHistoryText(history!.json)).toContain('HARNESS_IDEOGRAM_API_KEY');
    expect(result.state).toBe('resolved');
    expect(result.cause).toBe('provider_outage');
    expect(result.severity).toBe('P1');

    const steps = result.mutations.map((m) => [m.step, m.change.split('=')[0], Boolean(m.revertedAt)]);
    expect(steps).toEqual([
      ['enable-fallback', 'IDEOGRAM_FALLBACK', true],
      ['restart-for-fallback', 'restartedAt', false],
      ['restart-after-fallback-1', 'restartedAt', false],
    ]);
    expect(result.mutations[0]!.kubectl).toBe(
      'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true -n payments',
    );
    expect(result.mutations[0]!.previous).toEqual([
      { container: 'api', previous: null },
      { container: 'worker', previous: null },
    ]);
    expect(result.approvals.map((a) => [a.stepId, a.by, a.decision])).toEqual([
      ['enable-fallback', 'bob', 'approved'],
      ['disable-fallback', 'bob', 'approved'],
    ]);

    const kinds = result.timeline.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'probe').length).toBeGreaterThanOrEqual(6);
    const states = result.timeline.filter((e) => e.kind === 'state').map((e) => e.message.split(':')[0]);
    expect(states).toEqual([
      'investigating',
      'awaiting_approval',
      'mitigating',
      'mitigated',
      'monitoring',
      'awaiting_approval',
      'reverting',
      'resolved',
    ]);
    const monitorPolls = result.timeline.filter((e) => e.message.startsWith('real check'));
    expect(monitorPolls.some((e) => e.message.includes('still failing'))).toBe(true);
    expect(monitorPolls.at(-1)!.message).toContain('healthy 3/3');

    const after = (h.target as RecordOnlyTarget).snapshot().deployments['payments/ideogram-service']!;
    expect(after.containers).toEqual(before.containers);
    expect(after.restartedAt).not.toBeNull();

    expect(result.postmortem).toContain('## Incident: Ideogram Integration — provider outage');
    expect(result.postmortem).toMatch(/\*\*Severity:\*\* P1/);
    expect(result.postmortem).toMatch(/- \d\d:\d\d - First alert triggered/);
    expect(result.postmortem).toMatch(/- \d\d:\d\d - Mitigated: fallback enabled/);
    expect(result.postmortem).toMatch(/- \d\d:\d\d - Resolved: Ideogram outage/);
    expect(result.postmortem).toContain('Change applied: IDEOGRAM_FALLBACK=true');
    expect(result.postmortem).toContain('Change reverted: IDEOGRAM_FALLBACK=true');
    expect(await readFile(result.postmortemPath!, 'utf8')).toBe(result.postmortem);

    const notifications = await h.notifications();
    expect(notifications.map((n) => n.status)).toContain('MITIGATED');
    expect(notifications.at(-1)).toMatchObject({ status: 'RESOLVED', kind: 'status' });
    expect(notifications.find((n) => n.kind === 'approval_request')!.text).toContain(
      `runbook approve ${handle.workflowId} enable-fallback --by <your-name>`,
    );
  });
});
