import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/server/intake/signature.ts';
import { alertmanagerBody, startIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';

const SECRET = 'intake-shared-secret-7f3a9c';
const TOKEN = 'alertmanager-bearer-token-51d2e8';
let ih: IntakeHarness;

beforeAll(async () => {
  ih = await startIntakeHarness({ RUNBOOK_INTAKE_HMAC_SECRET: SECRET, RUNBOOK_INTAKE_ALERTMANAGER_TOKEN: TOKEN });
});

afterAll(async () => {
  await ih?.close();
});

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

/** Posts `body` signed with `secret` at `timestamp`, as a sender following docs/alert-intake.md would. */
function postSigned(
  body: object,
  options: { secret?: string; timestamp?: string; omit?: 'timestamp' | 'signature' } = {},
) {
  const raw = JSON.stringify(body);
  const timestamp = options.timestamp ?? nowSeconds();
  const headers: Record<string, string> = {
    'x-runbook-timestamp': timestamp,
    'x-runbook-signature': signBody(options.secret ?? SECRET, timestamp, raw),
  };
  if (options.omit) delete headers[`x-runbook-${options.omit}`];
  return ih.post('/hooks/generic', raw, headers);
}

describe('POST /hooks/generic', () => {
  it('opens an incident from a correctly signed alert and joins further ones to it', async () => {
    expect(
      await postSigned({
        summary: 'synthetic check: generate returns 500',
        id: 'check-1',
        url: 'https://checks.example/run/1',
      }),
    ).toEqual({ status: 202, body: { accepted: 1 } });
    const [first] = await ih.waitForAlerts(1);
    expect(first!.message).toContain(
      'generic alert firing: synthetic check: generate returns 500 (fingerprint check-1)',
    );
    expect(first!.data).toMatchObject({ source: 'generic', generatorURL: 'https://checks.example/run/1' });
    const run = (await (await ih.incident()).describe()).runId;
    expect(
      (await postSigned({ summary: 'synthetic check: still 500', id: 'check-2', service: 'ideogram-service' })).status,
    ).toBe(202);
    const entries = await ih.waitForAlerts(2);
    expect(entries.map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['check-1', 'check-2']);
    expect((await (await ih.incident()).describe()).runId).toBe(run);
  });

  it('refuses a wrong secret, a stale timestamp and missing headers, delivering nothing and logging no secret', async () => {
    const recorded = (await ih.alertEntries()).length;
    const body = { summary: 'forged', id: 'forged' };
    expect(await postSigned(body, { secret: 'not-the-shared-secret' })).toEqual({
      status: 401,
      body: { error: 'signature does not match' },
    });
    const stale = await postSigned(body, { timestamp: String(Math.floor(Date.now() / 1000) - 6 * 60) });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toContain('outside the 5-minute window');
    expect(await postSigned(body, { omit: 'signature' })).toEqual({
      status: 400,
      body: { error: 'missing x-runbook-signature header' },
    });
    expect(await postSigned(body, { omit: 'timestamp' })).toEqual({
      status: 400,
      body: { error: 'missing x-runbook-timestamp header' },
    });
    const tampered = JSON.stringify({ summary: 'tampered', id: 'forged' });
    const timestamp = nowSeconds();
    const replayedSignature = signBody(SECRET, timestamp, JSON.stringify(body));
    expect(
      (
        await ih.post('/hooks/generic', tampered, {
          'x-runbook-timestamp': timestamp,
          'x-runbook-signature': replayedSignature,
        })
      ).status,
    ).toBe(401);
    // Deliveries of one incident are ordered: a good alert after the refusals is the only new entry.
    expect((await postSigned({ summary: 'genuine', id: 'genuine' })).status).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(entries.slice(recorded).map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['genuine']);
    expect(ih.logText()).toContain('intake request refused');
    expect(ih.logText()).not.toContain(SECRET);
  });

  it('refuses a body that is not the documented shape, naming the field', async () => {
    const answer = await postSigned({ summary: 'ok', severity: 'P1' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('severity');
  });
});

describe('POST /hooks/alertmanager with RUNBOOK_INTAKE_ALERTMANAGER_TOKEN', () => {
  it('accepts only the configured bearer token', async () => {
    const recorded = (await ih.alertEntries()).length;
    const body = alertmanagerBody([{ fingerprint: 'am-forged' }]);
    expect(await ih.post('/hooks/alertmanager', body)).toEqual({
      status: 401,
      body: { error: 'missing Authorization: Bearer header' },
    });
    expect(await ih.post('/hooks/alertmanager', body, { authorization: 'Bearer not-the-token-at-all' })).toEqual({
      status: 401,
      body: { error: 'wrong bearer token' },
    });
    expect(
      (
        await ih.post('/hooks/alertmanager', alertmanagerBody([{ fingerprint: 'am-genuine' }]), {
          authorization: `Bearer ${TOKEN}`,
        })
      ).status,
    ).toBe(202);
    const entries = await ih.waitForAlerts(recorded + 1);
    expect(entries.slice(recorded).map((e) => (e.data as { fingerprint: string }).fingerprint)).toEqual(['am-genuine']);
    expect(ih.logText()).not.toContain(TOKEN);
  });
});
