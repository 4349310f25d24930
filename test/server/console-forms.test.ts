import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, TEXT_MAX } from '../../src/contract/index.ts';
import type { Role } from '../../src/server/identity.ts';
import type { RunningConsole } from '../../src/server/serve.ts';
import { signedInSession } from '../support/console-client.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let console_: RunningConsole;

const sessionAs = (name: string, role: Role) => signedInSession(console_, name, role);

const incidentPath = () => `/incidents/${ch.incident.workflowId}`;
const escaped = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

beforeAll(async () => {
  ch = await startConsoleHarness({ env: { RUNBOOK_TEMPORAL_UI_URL: 'http://127.0.0.1:8233' }, shareCatalog: true });
  console_ = ch.console;
});

afterAll(async () => {
  await ch?.close();
});

describe('error pages', () => {
  it('answers a missing incident with a styled 404 page, not 503 and a CLI hint', async () => {
    const carol = await sessionAs('carol', 'viewer');
    const missing = await carol.get('/incidents/incident-20260101-no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<link rel="stylesheet" href="/static/console.css">');
    expect(missing.body).toContain('<h1>No such incident</h1>');
    expect(missing.body).toContain('There is no incident incident-20260101-no-such-thing');
    expect(missing.body).not.toContain('runbook list');
  });

  it('answers an unknown path with a styled 404 page for browsers, JSON for API clients', async () => {
    const page = await fetch(new URL('/no/such/page', console_.url), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await page.text();
    expect(body).toContain('<h1>Page not found</h1>');
    expect(body).toContain('<a href="/">Back to the incidents</a>');
    const api = await fetch(new URL('/no/such/page', console_.url), { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});

describe('the open form', () => {
  it("defaults to the catalog's first runbook and requires one: the server does not guess", async () => {
    const dave = await sessionAs('dave', 'responder');
    const form = await dave.get('/incidents/new');
    expect(form.body).toContain('<option value="ideogram" selected>ideogram</option>');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const refused = await dave.post('/incidents', { _csrf: csrf, symptom: 'no runbook chosen' });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('runbook: choose a runbook');
    expect(refused.body).toContain('>no runbook chosen</textarea>');
  });

  it('refuses an unknown runbook as `runbook start` does (the same words), keeping what was typed', async () => {
    const dave = await sessionAs('dave', 'responder');
    const csrf = await dave.csrf('/incidents/new');
    const refused = await dave.post('/incidents', { _csrf: csrf, symptom: 'a runbook nobody wrote', runbook: 'nope' });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('unknown runbook &quot;nope&quot; — known: ');
    expect(refused.body).toContain('>a runbook nobody wrote</textarea>');
  });

  it('refuses a service another runbook handles, in words, keeping what was typed (as `runbook start` does)', async () => {
    const dave = await sessionAs('dave', 'responder');
    const csrf = await dave.csrf('/incidents/new');
    const symptom = 'chat completions <fail> since 10:02';
    const refused = await dave.post('/incidents', {
      _csrf: csrf,
      symptom,
      runbook: 'openai',
      cause: '',
      service: 'ideogram-service',
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain(
      'service ideogram-service is handled by runbook ideogram, not openai: choose runbook ideogram for it (runbook openai has no service in the catalog)',
    );
    expect(refused.body).toContain(`>${escaped(symptom)}</textarea>`);
    expect(refused.body).toContain('<option value="openai" selected>openai</option>');
    expect(refused.body).toContain('<option value="ideogram-service" selected>');
  });

  it('refuses a 5,000-character symptom saying the limit, instead of cutting it, and keeps all of it', async () => {
    const dave = await sessionAs('dave', 'responder');
    const form = await dave.get('/incidents/new');
    // The field says the limit and does not cut a paste (no maxlength).
    expect(form.body).toContain(`up to ${TEXT_MAX} characters`);
    expect(form.body).not.toContain('maxlength');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const symptom = 'x'.repeat(5_000);
    const refused = await dave.post('/incidents', {
      _csrf: csrf,
      symptom,
      runbook: 'ideogram',
      cause: '',
      service: '',
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain(`the symptom is 5000 characters long; the limit is ${TEXT_MAX} characters`);
    expect(refused.body).toContain(`>${symptom}</textarea>`);
  });
});

describe('a symptom that already has an open incident', () => {
  it('links to the open incident instead of opening a second one, unless asked to', async () => {
    const dave = await sessionAs('dave', 'responder');
    const symptom = `duplicate check ${Date.now().toString(36)}`;
    const form = { symptom, runbook: 'ideogram', cause: '', service: 'ideogram-service' };
    const first = await dave.post('/incidents', { _csrf: await dave.csrf('/incidents/new'), ...form });
    expect(first.status).toBe(303);
    const firstId = decodeURIComponent(first.location!.replace('/incidents/', ''));
    const opened = [firstId];
    try {
      const again = await dave.post('/incidents', { _csrf: await dave.csrf('/incidents/new'), ...form });
      expect(again.status).toBe(409);
      expect(again.body).toContain(`incident ${firstId} is open for the same symptom`);
      expect(again.body).toContain(`The open incident: <a href="/incidents/${firstId}">${firstId}</a>`);
      expect(again.body).toContain(`>${symptom}</textarea>`);
      const another = await dave.post('/incidents', {
        _csrf: await dave.csrf('/incidents/new'),
        ...form,
        another: 'yes',
      });
      expect(another.status).toBe(303);
      opened.push(decodeURIComponent(another.location!.replace('/incidents/', '')));
      expect(opened[1]).toBe(`${firstId}-2`);
    } finally {
      for (const id of opened)
        await ch.h.client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined);
    }
  });
});

describe('action forms', () => {
  it('refuses a 5,000-character note with the limit on a styled page that keeps the note', async () => {
    const dave = await sessionAs('dave', 'responder');
    const csrf = await dave.csrf(incidentPath());
    const before = await signalsAndUpdates(ch.incident);
    const note = 'n'.repeat(5_000);
    const refused = await dave.post(`${incidentPath()}/note`, { _csrf: csrf, text: note });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('<link rel="stylesheet" href="/static/console.css">');
    expect(refused.body).toContain(`the note is 5000 characters long; the limit is ${TEXT_MAX} characters`);
    expect(refused.body).toContain(`>${note}</textarea>`);
    expect(refused.body).toContain(`<a href="${incidentPath()}">Back to the incident</a>`);
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
  });

  it('binds an approval to the request the page showed: one for a replaced request is refused (409, in words), the comment kept', async () => {
    const bob = await sessionAs('bob', 'approver');
    const page = await bob.get(incidentPath());
    const requestedAt =
      /name="step" value="enable-fallback"><input type="hidden" name="requestedAt" value="([^"]+)"/.exec(
        page.body,
      )?.[1];
    const status = await ch.incident.query(statusQuery);
    expect(requestedAt).toBe(status.pendingApprovals.find((a) => a.stepId === 'enable-fallback')!.requestedAt);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const stale = '2026-01-01T00:00:00.000Z';
    const refused = await bob.post(`${incidentPath()}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      requestedAt: stale,
      decision: 'approved',
      comment: 'looks right to me',
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain(
      `step &quot;enable-fallback&quot; was replaced by a new request (asked at ${requestedAt}, not ${stale} as on your page) — nothing was decided`,
    );
    expect(refused.body).toContain('>looks right to me</textarea>');
    const after = await ch.incident.query(statusQuery);
    expect(after.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.decisions).toEqual([]);
  });

  it('asks before a rejection, and sends nothing until it is confirmed', async () => {
    const bob = await sessionAs('bob', 'approver');
    const csrf = await bob.csrf(incidentPath());
    const before = await signalsAndUpdates(ch.incident);
    const asked = await bob.post(`${incidentPath()}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'rejected',
      comment: 'wait for the vendor',
    });
    expect(asked.status).toBe(200);
    expect(asked.body).toContain(`Reject step enable-fallback of ${ch.incident.workflowId}?`);
    expect(asked.body).toContain('<input type="hidden" name="comment" value="wait for the vendor">');
    expect(asked.body).toContain('<input type="hidden" name="confirmed" value="yes">');
    expect(asked.body).toContain(`<a href="${incidentPath()}" id="confirm-back">No, back to the incident</a>`);
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
  });
});

describe('hand-over of a secret reference, and the link to Temporal', () => {
  it("refuses a reference the service's catalog entry does not allow, or a value, sending nothing", async () => {
    const dave = await sessionAs('dave', 'responder');
    const csrf = await dave.csrf(incidentPath());
    const before = await signalsAndUpdates(ch.incident);
    const other = await dave.post(`${incidentPath()}/secret-ref`, {
      _csrf: csrf,
      step: 'new-key-reference',
      otherRef: 'env:SOMEONE_ELSES_KEY',
    });
    expect(other.status).toBe(409);
    expect(other.body).toContain(
      'secret reference env:SOMEONE_ELSES_KEY is not one this service allows (allowed: env:NEW_*)',
    );
    const value = await dave.post(`${incidentPath()}/secret-ref`, {
      _csrf: csrf,
      step: 'new-key-reference',
      otherRef: 'sk-live-123',
    });
    expect(value.status).toBe(409);
    expect(value.body).toContain('never the value');
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
  });

  it("links the incident to its workflow in Temporal's Web UI when RUNBOOK_TEMPORAL_UI_URL is set", async () => {
    const carol = await sessionAs('carol', 'viewer');
    const page = await carol.get(incidentPath());
    expect(page.body).toContain(
      `<a href="http://127.0.0.1:8233/namespaces/${ch.h.client.options.namespace}/workflows/${ch.incident.workflowId}" id="temporal-ui" rel="noopener noreferrer">Open this incident in Temporal's Web UI</a>`,
    );
  });
});
