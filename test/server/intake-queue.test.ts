import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertIncidentId } from '../../src/app/alerts.ts';
import { utcDay } from '../../src/contract/index.ts';
import type { DeliveryStats } from '../../src/server/intake/delivery-queue.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

/**
 * The bounded intake queue over HTTP: the service reaches the real Temporal dev server through a
 * relay the test holds, so alerts stay queued (in flight, not failed) and their requests
 * unanswered until it lets go. A try's deadline longer than any hold here: nothing times out.
 */
let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness(
    { RUNBOOK_INTAKE_QUEUE_LIMIT: '3', RUNBOOK_INTAKE_DELIVERY_TIMEOUT_MS: '60000' },
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

async function untilStatus(done: (s: DeliveryStats) => boolean, what: string): Promise<DeliveryStats> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await status();
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const fingerprints = (entries: Array<{ data?: unknown }>) =>
  entries.map((e) => (e.data as { fingerprint: string }).fingerprint);

describe('bounded alert intake (RUNBOOK_INTAKE_QUEUE_LIMIT=3)', () => {
  it('refuses a request with more alerts than the queue holds (413), starting nothing', async () => {
    const answer = await ih.post(
      '/hooks/alertmanager',
      alertmanagerBody(['a', 'b', 'c', 'd'].map((f) => ({ fingerprint: `too-many-${f}` }))),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.error).toContain('RUNBOOK_INTAKE_QUEUE_LIMIT=3');
    expect(await status()).toMatchObject({ limit: 3, queued: 0, delivered: 0, failed: 0 });
    await expect(
      ih.h.client.workflow
        .getHandle(
          alertIncidentId({ runbook: 'ideogram', service: 'ideogram-service' }, ih.h.taskQueue, utcDay(new Date())),
        )
        .describe(),
    ).rejects.toThrow();
  });

  it('answers 202 only once Temporal recorded the alert; while Temporal holds the queue full it answers 503 with Retry-After, accepts nothing of that request, and answers the waiting requests once Temporal does', async () => {
    expect((await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'open' }]))).status).toBe(202);
    await ih.waitForAlerts(1);
    expect(await status()).toMatchObject({ queued: 0, delivered: 1, failed: 0 });

    ih.gate!.hold();
    // One after the other, so the incident's order is the order they were sent in.
    const held1 = ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'held-1' }]));
    let held1Answered = false;
    void held1.then(() => (held1Answered = true));
    await untilStatus((s) => s.queued === 1, 'held-1 to be queued');
    const held2 = ih.post(
      '/hooks/alertmanager',
      alertmanagerBody([{ fingerprint: 'held-2' }, { fingerprint: 'held-3' }]),
    );
    expect(await untilStatus((s) => s.queued === 3, 'held-2 and held-3 to be queued')).toMatchObject({
      limit: 3,
      delivered: 1,
      failed: 0,
    });

    const refused = await fetch(new URL('/hooks/alertmanager', ih.console.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: alertmanagerBody([{ fingerprint: 'refused-when-full' }]),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /^intake queue full \(3 of 3 alerts waiting for Temporal\): nothing of this request was accepted/,
    );
    expect(ih.logText()).toContain('intake queue full: request refused with 503');
    // Its signal is still held on the way to Temporal: no answer yet.
    expect(held1Answered).toBe(false);

    ih.gate!.release();
    expect(await held1).toEqual({ status: 202, body: { accepted: 1 } });
    expect(await held2).toEqual({ status: 202, body: { accepted: 2 } });
    expect(fingerprints(await ih.waitForAlerts(4))).toEqual(['open', 'held-1', 'held-2', 'held-3']);
    expect(await status()).toMatchObject({ queued: 0, delivered: 4, failed: 0, lastFailure: null });

    // Room again: the sender's retry (Alertmanager resends on 5xx) is accepted and recorded once.
    expect(
      (await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'refused-when-full' }]))).status,
    ).toBe(202);
    expect(fingerprints(await ih.waitForAlerts(5))).toEqual([
      'open',
      'held-1',
      'held-2',
      'held-3',
      'refused-when-full',
    ]);
  });
});
