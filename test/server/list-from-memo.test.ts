import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIncident } from '../../src/app/incidents.ts';
import { acknowledgeSignal } from '../../src/contract/index.ts';
import { signedInSession } from '../support/console-client.ts';
import { startConsoleHarness, startConsoleWith, type ConsoleHarness } from '../support/console-harness.ts';
import { cliEnvironment } from '../support/incident-harness.ts';
import { runCli } from '../support/cli.ts';
import { incidentRowWhen } from '../support/incident-rows.ts';
import { sample, scrape, total } from '../support/prometheus-text.ts';
import { connectTestClient, crowdNamespace, temporalAddress, temporalNamespace } from '../support/temporal.ts';

let ch: ConsoleHarness;
beforeAll(async () => {
  ch = await startConsoleHarness();
});
afterAll(() => ch?.close());

describe("who owns an incident and what it waits for, from the incident's memo", () => {
  it('the console list, `runbook list` and the metrics show them with no worker left to answer a query', async () => {
    const id = ch.incident.workflowId;
    await ch.incident.signal(acknowledgeSignal, { by: 'dave' });
    const row = await incidentRowWhen(ch.h.client, id, (r) => r.attention.owner === 'dave');
    expect(row.attention).toMatchObject({
      owner: 'dave',
      approvalsPending: 1,
      pendingSteps: [{ stepId: 'enable-fallback', requestedAt: expect.any(String) as string }],
      handedOverAt: null,
    });

    // Nothing can answer a status query from here on: every view below reads visibility alone.
    await ch.h.stopWorker();

    const viewer = await signedInSession(ch.console, 'carol', 'viewer');
    const page = await viewer.get('/?state=awaiting_approval');
    expect(page.status).toBe(200);
    const cells = page.body.slice(page.body.indexOf(`>${id}<`)).split('</tr>')[0]!;
    expect(cells).toContain('<td data-label="owner">dave</td>');
    expect(cells).toContain('<td data-label="approvals waiting">1</td>');

    const env = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: temporalNamespace() };
    const listed = await runCli(['list'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/INCIDENT +SEVERITY +CAUSE +STATE +OWNER +APPROVALS +STARTED/);
    expect(listed.stdout).toMatch(new RegExp(`${id} +P1 +provider_outage +awaiting_approval +dave +1 `));

    // Other test files share the Temporal server: this incident's approval is among those counted,
    // and the oldest waiting is at least as old as its own.
    const { text } = await scrape(new URL('/metrics', ch.console.url).href);
    expect(sample(text, 'runbook_approvals_pending')).toBeGreaterThanOrEqual(1);
    const waited = (Date.now() - Date.parse(row.attention.pendingSteps[0]!.requestedAt)) / 1000;
    expect(sample(text, 'runbook_approval_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(waited - 1);
    expect(text).not.toContain('runbook_incidents_status_unread');
  });

  it('the metrics count every open incident, past the 500 a list shows', async () => {
    // In a namespace of their own: other test files list the shared one's first 500 rows.
    const crowd = await connectTestClient(crowdNamespace());
    const handles = [];
    try {
      // Nothing polls this queue: the incidents stay open, as started.
      for (let i = 0; i < 501; i += 1)
        handles.push(await startIncident(crowd.client, 'unpolled', ch.h.startRequest(), `crowded-${i}`));
      // Visibility has them all before the console reads them (it reads once per refresh).
      const running = `ExecutionStatus = 'Running'`;
      await expect.poll(async () => (await crowd.client.workflow.count(running)).count, { timeout: 30_000 }).toBe(501);
      const env = { ...cliEnvironment(ch.h, temporalAddress()), TEMPORAL_NAMESPACE: crowdNamespace() };
      const counting = await startConsoleWith(crowd.client, env);
      try {
        const { text } = await scrape(new URL('/metrics', counting.url).href);
        expect(total(text, 'runbook_incidents')).toBe(501);
      } finally {
        await counting.close();
      }
    } finally {
      await Promise.all(handles.map((h) => h.terminate('the test is over')));
      await crowd.close();
    }
  }, 120_000);
});
