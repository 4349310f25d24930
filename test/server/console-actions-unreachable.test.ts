import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFrom } from '../../src/server/identity.ts';
import { ConsoleSession } from '../support/console-client.ts';
import { startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

/**
 * The console's actions reach the real Temporal server through a relay the test cuts: every POST
 * answers 503 "Temporal is unreachable at <address>" within the console's deadline
 * (RUNBOOK_CONSOLE_TEMPORAL_TIMEOUT_MS) instead of ~20 s; and a decision on its way when Temporal
 * goes is said to be unknown, not failed.
 */
let ih: IntakeHarness;
let incidentId: string;
/** Set: the relay is cut just as the console sends its next update, after it found the incident. */
let cutOnUpdate = false;

beforeAll(async () => {
  // A deadline shorter than the default 3 s, so ten refusals fit in the test's time.
  ih = await startIntakeHarness(
    { RUNBOOK_CONSOLE_TEMPORAL_TIMEOUT_MS: '1500' },
    {
      throughGate: true,
      serviceInterceptors: [
        {
          startUpdate: (input, next) => {
            if (cutOnUpdate) ih.gate!.cut();
            return next(input);
          },
        },
      ],
    },
  );
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

describe('console actions while Temporal is unreachable', () => {
  it('a decision sent as Temporal goes may or may not be recorded, and says so; then every POST answers 503 naming the address within seconds', async () => {
    const token = ih.console.loginLinks.issue({
      name: 'rita',
      roles: rolesFrom('approver'),
      issuer: 'local-link',
      subject: 'rita@test',
    });
    const session = new ConsoleSession(ih.console.url);
    await session.signIn(new URL(`/login/${token}`, ih.console.url).href);
    // From a page that needs no Temporal call: the token is the session's, whatever the page.
    const csrf = await session.csrf('/incidents/new');
    const address = ih.gate!.address;

    // Temporal goes just as the decision is sent: the console found the incident, then heard nothing.
    cutOnUpdate = true;
    const { value: unknown, ms } = await timed(() =>
      session.post(`/incidents/${incidentId}/decide`, { _csrf: csrf, step: 'enable-fallback', decision: 'approved' }),
    );
    cutOnUpdate = false;
    expect(unknown.status).toBe(503);
    expect(unknown.body).toContain(
      `Temporal is unreachable at ${address}; the decision may or may not have been recorded: check the incident page`,
    );
    // The deadline and a 1 s health check, with room for a busy machine: not the client's ~20 s.
    expect(ms).toBeLessThan(8_000);

    // Still cut: every action finds out before it sends anything.
    const actions: Array<[string, Record<string, string>]> = [
      [`/incidents/${incidentId}/decide`, { step: 'enable-fallback', decision: 'approved' }],
      [`/incidents/${incidentId}/revert`, { step: 'enable-fallback' }],
      [`/incidents/${incidentId}/ack`, {}],
      [`/incidents/${incidentId}/note`, { text: 'anyone there?' }],
      [`/incidents/${incidentId}/root-cause`, { text: 'GPU pool lost' }],
      [`/incidents/${incidentId}/resolve`, { reason: 'back' }],
      [`/incidents/${incidentId}/cancel`, { reason: 'test' }],
      [`/incidents/${incidentId}/verify`, {}],
      ['/incidents', { symptom: 'opened while Temporal is gone', runbook: 'ideogram', cause: '', service: '' }],
    ];
    for (const [path, form] of actions) {
      const { value: response, ms } = await timed(() => session.post(path, { _csrf: csrf, ...form }));
      expect(response.status, path).toBe(503);
      expect(response.body, path).toContain(`Temporal is unreachable at ${address}; `);
      // Refused before anything was sent: nothing to be unsure about.
      expect(response.body, path).not.toContain('may or may not');
      expect(ms, path).toBeLessThan(8_000);
    }
  });
});
