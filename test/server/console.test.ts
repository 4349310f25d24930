import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { decide, listIncidents } from '../../src/app/incidents.ts';
import { INCIDENT_WORKFLOW_TYPE, statusQuery, timelineQuery } from '../../src/contract/index.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { rolesFrom, type Role } from '../../src/server/identity.ts';
import { runbookIds } from '../../src/runbooks/index.ts';
import { runbookTooling } from '../../src/runbooks/tooling/index.ts';
import type { RunningConsole } from '../../src/server/serve.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { ConsoleSession } from '../support/console-client.ts';
import {
  firstUpdateInput,
  signalsAndUpdates,
  startConsoleHarness,
  startConsoleOn,
  waitForSignal,
  type ConsoleHarness,
} from '../support/console-harness.ts';
import type { Harness } from '../support/incident-harness.ts';

/** The outage of the first incident recovers after a while; later incidents need one that lasts. */
const LASTING_OUTAGE: ScenarioPhase[] = [
  { legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } },
];

let ch: ConsoleHarness;
let h: Harness;
let console_: RunningConsole;
let incident: WorkflowHandle;

/** A signed-in session for `name` with `role`, through a one-time link as the console issues them. */
async function sessionAs(name: string, role: Role, at: RunningConsole = console_): Promise<ConsoleSession> {
  const token = at.loginLinks.issue({ name, roles: rolesFrom(role), issuer: 'local-link', subject: `${name}@test` });
  const session = new ConsoleSession(at.url);
  const landed = await session.signIn(new URL(`/login/${token}`, at.url).href);
  expect(landed).toMatchObject({ status: 302, location: '/' });
  return session;
}

beforeAll(async () => {
  ch = await startConsoleHarness();
  ({ h, console: console_, incident } = ch);
});

afterAll(async () => {
  await ch?.close();
});

describe('the incident console over HTTP', () => {
  it('signs the local user in with the printed one-time link, once', async () => {
    expect(console_.loginUrl).toMatch(/\/login\/[A-Za-z0-9_-]+$/);
    const session = new ConsoleSession(console_.url);
    expect((await session.get('/')).location).toBe('/login');
    expect(await session.signIn(console_.loginUrl!)).toMatchObject({ status: 302, location: '/' });
    const list = await session.get('/');
    expect(list.status).toBe(200);
    expect(list.body).toContain('alice (approver, local login)');
    const again = await new ConsoleSession(console_.url).signIn(console_.loginUrl!);
    expect(again.location).toBe('/login?failed=1');
  });

  it('lists the open incident with its severity, cause and pending approval count; an incident whose worker is gone does not hold the list up', async () => {
    // Nothing polls this queue: a status query to it would wait for a worker that never comes.
    await h.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue: `${h.taskQueue}-no-worker`,
      workflowId: `${h.taskQueue}-orphan`,
      args: [h.startRequest()],
    });
    const session = await sessionAs('carol', 'viewer');
    let body = '';
    // Visibility is eventually consistent: the list shows the incident once the store caught up.
    for (let i = 0; i < 200 && !body.includes(`>${incident.workflowId}<`); i++)
      body = (await session.get('/?state=awaiting_approval')).body;
    expect(body).toContain(`>${incident.workflowId}<`);
    const row = body.slice(body.indexOf(`>${incident.workflowId}<`)).split('</tr>')[0]!;
    expect(row).toContain('P1');
    expect(row).toContain('provider_outage');
    expect(row).toContain(`<td data-label="approvals waiting">1</td>`);
  });

  it('refuses a filter its form never offers with 400, saying what it takes', async () => {
    const session = await sessionAs('carol', 'viewer');
    const state = await session.get("/?state=x'y");
    expect(state.status).toBe(400);
    expect(state.body).toContain('No state &quot;x&#39;y&quot;: the list filters on investigating, blocked,');
    const severity = await session.get('/?severity=P9');
    expect(severity.status).toBe(400);
    expect(severity.body).toContain('No severity &quot;P9&quot;: the list filters on P1, P2, P3, P4, or none.');
    expect(severity.body).toMatch(/<h1[^>]*>Not a request the console takes<\/h1>/);
    expect((await session.get('/?state=&severity=')).status).toBe(200);
  });

  it('offers every state as a filter, needs_human (a human owns the incident) among them', async () => {
    const { body } = await (await sessionAs('carol', 'viewer')).get('/?state=needs_human');
    const select = body.slice(body.indexOf('<select name="state">')).split('</select>')[0]!;
    expect(select).toContain('<option value="needs_human" selected>needs_human</option>');
    expect(select.match(/<option /g)?.length).toBe(13);
  });

  it('streams the timeline live as server-sent events, from where the page left off', async () => {
    const viewer = await sessionAs('carol', 'viewer');
    const timeline = await incident.query(timelineQuery);
    const text = await viewer.readStream(`/incidents/${incident.workflowId}/events?after=1`, (t) => t.includes('\n\n'));
    const first = /^event: timeline\ndata: (.*)\n\n/.exec(text);
    expect(first).not.toBeNull();
    expect(JSON.parse(first![1]!).message).toBe(timeline[1]!.message);
  });

  it('shows a viewer the pending change but no Approve button, and refuses a forged approval with 403', async () => {
    const viewer = await sessionAs('carol', 'viewer');
    const page = await viewer.get(`/incidents/${incident.workflowId}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true');
    expect(page.body).not.toContain('>Approve<');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const forged = await viewer.post(`/incidents/${incident.workflowId}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'approved',
    });
    expect(forged.status).toBe(403);
    expect(await signalsAndUpdates(incident)).toEqual([]);
  });

  it('refuses a POST without the CSRF token, signalling nothing', async () => {
    const approver = await sessionAs('bob', 'approver');
    const response = await approver.post(`/incidents/${incident.workflowId}/decide`, {
      step: 'enable-fallback',
      decision: 'approved',
    });
    expect(response.status).toBe(403);
    expect(await signalsAndUpdates(incident)).toEqual([]);
  });

  it('does not let the reporter approve their own incident from the console either', async () => {
    const reporter = await sessionAs('Alice', 'approver');
    const csrf = await reporter.csrf(`/incidents/${incident.workflowId}`);
    const response = await reporter.post(`/incidents/${incident.workflowId}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'approved',
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatch(/approval refused|reported/i);
    const status = await incident.query(statusQuery);
    expect(status.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.decisions).toEqual([]);
  });

  it('records an approval with the signed-in identity and how the console knows it', async () => {
    const approver = await sessionAs('bob', 'approver');
    const before = await approver.get(`/incidents/${incident.workflowId}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.body)![1]!;
    const shownVersion = /data-version="([^"]+)"/.exec(before.body)![1]!;
    const response = await approver.post(`/incidents/${incident.workflowId}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'approved',
      comment: 'fallback is safe',
    });
    expect(response).toMatchObject({ status: 303, location: `/incidents/${incident.workflowId}` });
    const status = await h.waitFor(incident, (s) => s.mutations.length > 0, 'the fallback change');
    expect(status.mutations[0]!.change).toContain('IDEOGRAM_FALLBACK=true');
    // The page rendered before the change opens its live stream only now: its first poll already
    // tells it to re-fetch the panel, or the change would stay unseen until the next one.
    const rows = (await incident.query(timelineQuery)).length;
    const firstPoll = await approver.readStream(
      `/incidents/${incident.workflowId}/events?after=${rows}&version=${shownVersion}`,
      (t) => t.includes(': poll '),
    );
    expect(firstPoll.slice(0, firstPoll.indexOf(': poll '))).toContain('event: status');
    expect(await firstUpdateInput(incident)).toMatchObject({
      stepId: 'enable-fallback',
      by: 'bob',
      decision: 'approved',
      via: { channel: 'console', issuer: 'local-link', subject: 'bob@test' },
    });
    const page = await approver.get(`/incidents/${incident.workflowId}`);
    expect(page.body).toContain('enable-fallback approved by bob: fallback is safe');
  });

  it("under the verified-approvals policy, refuses a self-declared CLI approval and takes the console's", async () => {
    h.sim.setScenario(LASTING_OUTAGE);
    const verified = await h.start(
      { reporter: 'alice', policy: { timeoutMs: 600_000, requireVerifiedApprovals: true } },
      `${h.taskQueue}-verified`,
    );
    try {
      await h.waitFor(
        verified,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
        'the enable-fallback approval',
      );
      // Exactly what `runbook approve <id> enable-fallback --by bob` sends.
      await expect(
        decide(h.client, verified.workflowId, {
          stepId: 'enable-fallback',
          by: 'bob',
          decision: 'approved',
          via: { channel: 'cli' },
        }),
      ).rejects.toThrow(/self-declared/);
      const approver = await sessionAs('bob', 'approver');
      const csrf = await approver.csrf(`/incidents/${verified.workflowId}`);
      const response = await approver.post(`/incidents/${verified.workflowId}/decide`, {
        _csrf: csrf,
        step: 'enable-fallback',
        decision: 'approved',
      });
      expect(response.status).toBe(303);
      await h.waitFor(verified, (s) => s.mutations.length > 0, 'the fallback change after the verified approval');
    } finally {
      await verified.terminate().catch(() => undefined);
    }
  });

  it('opens an incident from the form as `runbook start` does, and renders a <script> symptom as text', async () => {
    h.sim.setScenario(LASTING_OUTAGE);
    const responder = await sessionAs('dave', 'responder');
    const csrf = await responder.csrf('/incidents/new');
    const symptom = '<script>alert("x")</script> images fail';
    const opened = await responder.post('/incidents', {
      _csrf: csrf,
      symptom,
      runbook: 'ideogram',
      cause: '',
      service: '',
    });
    expect(opened.status).toBe(303);
    const id = decodeURIComponent(opened.location!.replace('/incidents/', ''));
    const handle = h.client.workflow.getHandle(id);
    try {
      const description = await handle.describe();
      expect(description.taskQueue).toBe(h.taskQueue);
      expect(await description.memo).toMatchObject({ summary: { symptom, reporter: 'dave' } });
      const page = await responder.get(opened.location!);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      const cancelCsrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      // Cancel asks first, on a page of its own (no script needed); nothing is sent until confirmed.
      const before = await signalsAndUpdates(handle);
      const asked = await responder.post(`/incidents/${id}/cancel`, { _csrf: cancelCsrf, reason: 'test done' });
      expect(asked.status).toBe(200);
      expect(asked.body).toContain(`Cancel incident ${id}?`);
      expect(asked.body).toContain('Reason: test done.');
      expect(await signalsAndUpdates(handle)).toEqual(before);
      const confirmCsrf = /name="_csrf" value="([^"]+)"/.exec(
        asked.body.slice(asked.body.indexOf('id="confirm"')),
      )![1]!;
      const cancelled = await responder.post(`/incidents/${id}/cancel`, {
        _csrf: confirmCsrf,
        reason: 'test done',
        confirmed: 'yes',
      });
      expect(cancelled).toMatchObject({ status: 303, location: `/incidents/${id}` });
      // Cancel goes through the action table (an update): the incident ends cancelled, never failed.
      expect(((await handle.result()) as { state: string }).state).toBe('cancelled');
    } finally {
      await handle.terminate().catch(() => undefined);
    }
  });
});

describe('reading an incident page', () => {
  it('describes the incident once and asks each of its queries once per render', async () => {
    const calls: string[] = [];
    const counting = new Client({
      connection: h.client.connection,
      namespace: h.client.options.namespace,
      interceptors: {
        workflow: [
          {
            describe: (input, next) => (calls.push(`describe ${input.workflowExecution.workflowId}`), next(input)),
            query: (input, next) => (calls.push(`query ${input.queryType}`), next(input)),
          },
        ],
      },
    });
    const reader = await startConsoleOn(h, { client: counting });
    try {
      // The audit reads the incident's runs from visibility: wait until it lists the incident.
      const listed = Date.now() + 20_000;
      while (!(await listIncidents(h.client, { all: true })).some((r) => r.incidentId === incident.workflowId)) {
        if (Date.now() > listed) throw new Error(`visibility does not list ${incident.workflowId}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const viewer = await sessionAs('vera', 'viewer', reader);
      calls.length = 0;
      const page = await viewer.get(`/incidents/${incident.workflowId}`);
      expect(page.status).toBe(200);
      expect(calls.sort()).toEqual([
        `describe ${incident.workflowId}`,
        'query postmortem',
        'query status',
        'query timeline',
      ]);
    } finally {
      await reader.close();
    }
  });
});

describe('the rendered postmortem', () => {
  it("renders the markdown (headings, lists) and keeps people's <script> and javascript: links inert", async () => {
    h.sim.setScenario(LASTING_OUTAGE);
    const pm = await h.start({ reporter: 'alice' }, `${h.taskQueue}-postmortem`);
    try {
      const responder = await sessionAs('dave', 'responder');
      const csrf = await responder.csrf(`/incidents/${pm.workflowId}`);
      const note =
        '<script>alert("pm")</script> see [x](javascript:alert(1)) and [runbook](https://example.com/runbook)';
      expect((await responder.post(`/incidents/${pm.workflowId}/note`, { _csrf: csrf, text: note })).status).toBe(303);
      await waitForSignal(pm, 'note');
      let body = '';
      for (let i = 0; i < 200 && !body.includes('alert(&quot;pm&quot;)'); i++)
        body = (await responder.get(`/incidents/${pm.workflowId}`)).body;
      const postmortem = body.slice(body.indexOf('<article id="postmortem"'), body.indexOf('</article>'));
      expect(postmortem).toMatch(/<h2>Incident: /);
      expect(postmortem).toContain('<h3>Timeline</h3>');
      expect(postmortem).toMatch(/<ul>\s*<li>/);
      expect(postmortem).toContain('&lt;script&gt;alert(&quot;pm&quot;)&lt;/script&gt;');
      expect(postmortem).not.toContain('<script');
      expect(postmortem).not.toMatch(/href="javascript:/i);
      expect(postmortem).toContain('[x](javascript:alert(1))');
      expect(postmortem).toContain('<a href="https://example.com/runbook" rel="noopener noreferrer">runbook</a>');
    } finally {
      await pm.terminate().catch(() => undefined);
    }
  });
});

describe('the Drill page', () => {
  it('does not exist outside dev mode: 404, and no link to it', async () => {
    const responder = await sessionAs('dave', 'responder');
    expect((await responder.get('/drill')).status).toBe(404);
    const csrf = await responder.csrf('/incidents/new');
    expect((await responder.post('/drill', { _csrf: csrf, runbook: 'ideogram', scenario: 'healthy' })).status).toBe(
      404,
    );
    expect((await responder.get('/')).body).not.toContain('href="/drill"');
  });

  it('in dev mode lists every built-in scenario of every runbook, for responders, and refuses bad or unauthorised starts', async () => {
    const dev = await startConsoleOn(h, { devMode: true });
    try {
      const responder = await sessionAs('dave', 'responder', dev);
      const list = await responder.get('/');
      expect(list.body).toContain('<a href="/drill">Drill</a>');
      const drillPage = await responder.get('/drill');
      expect(drillPage.status).toBe(200);
      for (const id of runbookIds()) {
        for (const scenario of Object.keys(runbookTooling(id).scenarios)) {
          expect(drillPage.body).toContain(
            `<input type="hidden" name="runbook" value="${id}"><input type="hidden" name="scenario" value="${scenario}">`,
          );
        }
      }
      const csrf = /name="_csrf" value="([^"]+)"/.exec(drillPage.body)![1]!;
      const unknown = await responder.post('/drill', {
        _csrf: csrf,
        runbook: 'ideogram',
        scenario: 'no-such-scenario',
      });
      expect(unknown.status).toBe(409);
      expect(unknown.body).toContain('unknown scenario');
      expect((await responder.post('/drill', { runbook: 'ideogram', scenario: 'healthy' })).status).toBe(403);

      const viewer = await sessionAs('carol', 'viewer', dev);
      expect((await viewer.get('/drill')).status).toBe(403);
      expect((await viewer.get('/')).body).not.toContain('href="/drill"');
      const viewerCsrf = await viewer.csrf('/');
      expect(
        (await viewer.post('/drill', { _csrf: viewerCsrf, runbook: 'ideogram', scenario: 'healthy' })).status,
      ).toBe(403);
    } finally {
      await dev.close();
    }
  });
});
