import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFrom } from '../../src/server/identity.ts';
import { ConsoleSession } from '../support/console-client.ts';
import { startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { sample, scrape } from '../support/prometheus-text.ts';

/**
 * The console reaches the real Temporal server through a relay the test cuts (Temporal down):
 * pages answer 503 naming the address within the console's deadline (default 3 s) instead of
 * hanging ~20 s and answering 500; an open live stream says the connection is lost; /metrics says
 * runbook_temporal_up 0; and all of it recovers once Temporal answers again.
 */
let ih: IntakeHarness;
let incidentId: string;

beforeAll(async () => {
  ih = await startIntakeHarness({}, { throughGate: true });
  const incident = await ih.h.start({ reporter: 'alice', symptom: 'images fail while the console loses Temporal' });
  incidentId = incident.workflowId;
});

afterAll(async () => {
  await ih?.h.client.workflow
    .getHandle(incidentId)
    .terminate('test over')
    .catch(() => undefined);
  await ih?.close();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('the console while Temporal is unreachable', () => {
  it('answers 503 "Temporal is unreachable at <address>" within seconds, tells live viewers, reports runbook_temporal_up 0, and recovers', async () => {
    const token = ih.console.loginLinks.issue({
      name: 'carol',
      roles: rolesFrom('viewer'),
      issuer: 'local-link',
      subject: 'carol@test',
    });
    const session = new ConsoleSession(ih.console.url);
    await session.signIn(new URL(`/login/${token}`, ih.console.url).href);
    const metricsUrl = new URL('/metrics', ih.console.url).href;
    expect((await session.get(`/incidents/${incidentId}`)).status).toBe(200);
    expect(sample((await scrape(metricsUrl)).text, 'runbook_temporal_up')).toBe(1);
    const stream = await session.openStream(`/incidents/${incidentId}/events`);
    expect(stream.status).toBe(200);
    await stream.until((t) => t.includes(': poll 1\n'), 'first poll');

    ih.gate!.cut();
    const address = ih.gate!.address;
    for (const path of ['/', `/incidents/${incidentId}`, `/incidents/${incidentId}/panel`]) {
      const { value: page, ms } = await timed(() => session.get(path));
      expect(page.status, path).toBe(503);
      expect(page.body).toContain(`Temporal is unreachable at ${address}; `);
      // The page tries again by itself, so a person (or a browser left open) sees the incident once Temporal is back.
      expect(page.body).toContain('<meta http-equiv="refresh" content="5">');
      // The 3 s deadline and a 1 s health check, with room for a busy machine: not the client's ~20 s.
      expect(ms, path).toBeLessThan(8_000);
    }
    const lost = await stream.until((t) => t.includes('event: temporal\n'), 'a temporal event');
    const news = JSON.parse(/event: temporal\ndata: (.*)\n/.exec(lost)![1]!) as { up: boolean; message: string };
    expect(news).toEqual({ up: false, message: expect.stringContaining(`Temporal is unreachable at ${address}; `) });
    const { value: down, ms } = await timed(() => scrape(metricsUrl));
    expect(down.status).toBe(200);
    expect(sample(down.text, 'runbook_temporal_up')).toBe(0);
    expect(ms).toBeLessThan(8_000);

    ih.gate!.release();
    await stream.until((t) => t.includes('"up":true'), 'Temporal back');
    // The client reconnects with its own backoff: the page comes back within a few tries.
    const deadline = Date.now() + 60_000;
    let page = await session.get(`/incidents/${incidentId}`);
    while (page.status !== 200 && Date.now() < deadline) page = await session.get(`/incidents/${incidentId}`);
    expect(page.status).toBe(200);
    expect(sample((await scrape(metricsUrl)).text, 'runbook_temporal_up')).toBe(1);
    stream.close();
  });
});
