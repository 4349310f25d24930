import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertIncidentId } from '../../src/app/alerts.ts';
import type { DeliveryStats } from '../../src/server/intake/delivery-queue.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

/**
 * The bounded intake queue over HTTP: the service reaches the real Temporal dev server through a
 * relay the test holds, so accepted alerts stay queued (in flight, not failed) until it lets go.
 */
let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness({ RUNBOOK_INTAKE_QUEUE_LIMIT: '3' }, { throughGate: true });
});

afterAll(async () => {
  await ih?.close();
});

async function status(): Promise<DeliveryStats> {
  const response = await fetch(new URL('/hooks/status', ih.console.url));
  expect(response.status).toBe(200);
  return ((await response.json()) as { queue: DeliveryStats }).queue;
}

async function untilStatus(done: (s: DeliveryStats) => boolean, what: string): Promise<DeliveryStats> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await status();
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fingerprints = (entries: Array<{ data?: unknown }>) => entries.map((e) => (e.data as { fingerprint: string }).fingerprint);

describe('bounded alert intake (RUNBOOK_INTAKE_QUEUE_LIMIT=3)', () => {
  it('refuses a request with more alerts than the queue holds (413), starting nothing', async () => {
    const answer = await ih.post('/hooks/alertmanager', alertmanagerBody(['a', 'b', 'c', 'd'].map((f) => ({ fingerprint: `too-many-${f}` }))));
    expect(answer.status).toBe(413);
    expect(answer.body.error).toContain('RUNBOOK_INTAKE_QUEUE_LIMIT=3');
    expect(await status()).toMatchObject({ limit: 3, queued: 0, delivered: 0, failed: 0 });
    await expect(ih.h.client.workflow.getHandle(alertIncidentId({ runbook: 'ideogram', service: 'ideogram-service' }, ih.h.taskQueue)).describe()).rejects.toThrow();
  });

  it('answers 503 with Retry-After while Temporal holds the queue full, accepts nothing of that request, and delivers everything it accepted once Temporal answers', async () => {
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'open' }]))).status).toBe(202);
    await ih.waitForAlerts(1);
    await untilStatus((s) => s.delivered === 1 && s.queued === 0, 'the first delivery');

    ih.gate!.hold();
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'held-1' }]))).status).toBe(202);
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'held-2' }, { fingerprint: 'held-3' }]))).status).toBe(202);
    expect(await status()).toMatchObject({ limit: 3, queued: 3, delivered: 1, failed: 0 });

    const refused = await fetch(new URL('/hooks/alertmanager', ih.console.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: alertmanagerBody([{ fingerprint: 'refused-when-full' }]),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: string }).error).toMatch(/^intake queue full \(3 of 3 alerts waiting for Temporal\): nothing of this request was accepted/);
    expect(ih.logText()).toContain('intake queue full: request refused with 503');

    ih.gate!.release();
    const entries = await ih.waitForAlerts(4);
    expect(fingerprints(entries)).toEqual(['open', 'held-1', 'held-2', 'held-3']);
    expect(await untilStatus((s) => s.queued === 0, 'the queue to empty')).toMatchObject({ delivered: 4, failed: 0, lastFailure: null });

    // Room again: the sender's retry (Alertmanager resends on 5xx) is accepted and recorded once.
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'refused-when-full' }]))).status).toBe(202);
    expect(fingerprints(await ih.waitForAlerts(5))).toEqual(['open', 'held-1', 'held-2', 'held-3', 'refused-when-full']);
  });
});
