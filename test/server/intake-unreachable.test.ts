import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryStats } from '../../src/server/intake/delivery-queue.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

/**
 * Accepted means recorded: the service reaches the real Temporal dev server through a relay the
 * test cuts (Temporal down), with short tries so a refusal comes quickly.
 */
let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness(
    { RUNBOOK_INTAKE_DELIVERY_TIMEOUT_MS: '1500', RUNBOOK_INTAKE_DELIVERY_ATTEMPTS: '2' },
    { throughGate: true },
  );
});

afterAll(async () => {
  await ih?.close();
});

async function status(): Promise<DeliveryStats> {
  const response = await fetch(new URL('/hooks/status', ih.console.url));
  expect(response.status).toBe(200);
  return ((await response.json()) as { queue: DeliveryStats }).queue;
}

const fingerprints = (entries: Array<{ data?: unknown }>) =>
  entries.map((e) => (e.data as { fingerprint: string }).fingerprint);

describe('alert intake while Temporal is unreachable', () => {
  it("answers 503 with Retry-After instead of 202, loses nothing, and records the sender's retry once Temporal is back", async () => {
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'before-outage' }]))).status).toBe(
      202,
    );
    await ih.waitForAlerts(1);

    ih.gate!.cut();
    const down = await fetch(new URL('/hooks/alertmanager', ih.console.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: alertmanagerBody([{ fingerprint: 'during-outage' }]),
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    const answer = (await down.json()) as { error: string; recorded: number };
    expect(answer.error).toMatch(/^Temporal did not record 1 of 1 alerts \(.+\); retry later$/);
    expect(answer.recorded).toBe(0);
    // Counted as not delivered, never as delivered; the sender was told, so nothing is lost.
    expect(await status()).toMatchObject({
      queued: 0,
      delivered: 1,
      retried: 1,
      failed: 1,
      lastFailure: { fingerprint: 'during-outage', attempts: 2 },
    });
    expect(ih.logText()).toContain('alerts not recorded: request answered with an error');

    ih.gate!.release();
    // Alertmanager's resend after a 5xx: it may take a few while the client reconnects.
    const deadline = Date.now() + 60_000;
    let resent = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'during-outage' }]));
    while (resent.status === 503 && Date.now() < deadline)
      resent = await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'during-outage' }]));
    expect(resent).toEqual({ status: 202, body: { accepted: 1 } });
    // A later alert marks the end: anything recorded before it shows up ahead of it, once.
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'after-outage' }]))).status).toBe(
      202,
    );
    expect(fingerprints(await ih.waitForAlerts(3))).toEqual(['before-outage', 'during-outage', 'after-outage']);
    expect(await status()).toMatchObject({ queued: 0, delivered: 3 });
  });
});
