import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_PAYLOAD_KEYS } from '../../src/activities/notifications/index.ts';
import type { IncidentResult } from '../../src/contract/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const TOKEN = 'T0SECRET/B0SECRET/hunter2hunter2';
const unescapeSlack = (text: string) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
const hostOf = (r: WebhookReceiver) => new URL(r.baseUrl).host;

describe('stakeholder updates from a real incident (dev server, simulator, loopback receivers)', () => {
  let h: Harness;
  let slack: WebhookReceiver;
  let webhook: WebhookReceiver;
  let failing: WebhookReceiver;
  let hanging: WebhookReceiver;
  let refused: WebhookReceiver;

  beforeAll(async () => {
    [slack, webhook, failing, hanging, refused] = await Promise.all([
      startWebhookReceiver(),
      startWebhookReceiver(),
      startWebhookReceiver({ mode: 'fail' }),
      startWebhookReceiver({ mode: 'hang' }),
      startWebhookReceiver(),
    ]);
    await refused.close();
    h = await startHarness({
      scenario: 'outage-503',
      deps: {
        notifications: {
          slackWebhookUrls: [slack.url(`/services/${TOKEN}`)],
          webhookUrls: [
            webhook.url(`/hooks/${TOKEN}`),
            failing.url(`/hooks/${TOKEN}`),
            hanging.url(`/hooks/${TOKEN}`),
            refused.url(`/hooks/${TOKEN}`),
          ],
          attempts: 2,
          retryDelayMs: 1,
          timeoutMs: 300,
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([slack, webhook, failing, hanging].map((r) => r?.close()));
  });

  it('delivers every update in order to the working sinks, and records the broken ones without changing the outcome', async () => {
    const handle = await h.start();
    const result: IncidentResult = await h.approveWhenAsked(handle);
    expect(result.state).toBe('resolved');

    const notes = result.timeline.filter((e) => e.kind === 'notification');
    const bodies = webhook.requests.map((r) => r.json as Record<string, unknown> & { status: string; text: string });
    expect(bodies).toHaveLength(notes.length);
    for (const body of bodies) expect(Object.keys(body)).toEqual([...WEBHOOK_PAYLOAD_KEYS]);
    expect(bodies[0]!.status).toBe('INVESTIGATING');
    expect(bodies.at(-1)!.status).toBe('RESOLVED');
    const statuses = bodies.map((b) => b.status);
    expect(statuses).toContain('MITIGATED');
    expect(statuses.indexOf('MITIGATED')).toBeGreaterThan(0);
    const approvals = bodies.filter((b) => b.text.includes('Approval needed:'));
    expect(approvals[0]!.text).toContain(
      `Approve with: runbook approve ${handle.workflowId} enable-fallback --by <your-name>`,
    );
    expect(approvals[0]!.text).toContain(
      'kubectl equivalent: kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true',
    );

    // Slack saw the same sequence (its copy escaped for mrkdwn).
    expect(slack.requests.map((r) => unescapeSlack((r.json as { text: string }).text))).toEqual(
      bodies.map((b) => b.text),
    );

    // The broken sinks were tried for every update and each failure is on the timeline, by host only.
    expect(failing.requests).toHaveLength(notes.length * 2);
    expect(hanging.requests).toHaveLength(notes.length * 2);
    for (const note of notes) {
      expect((note.data as { failed: string[] }).failed).toEqual([
        `webhook:${hostOf(failing)}`,
        `webhook:${hostOf(hanging)}`,
        `webhook:${hostOf(refused)}`,
      ]);
      expect(note.message).toContain('HTTP 500');
      expect(note.message).toContain('timeout after 300 ms');
      expect(note.message).toContain('connection refused');
      expect(note.message).toContain('retried at the next update');
    }
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});
