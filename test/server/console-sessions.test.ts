import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/server/identity.ts';
import { SessionStore } from '../../src/server/sessions.ts';
import type { RunningConsole } from '../../src/server/serve.ts';
import { runCli } from '../support/cli.ts';
import { ConsoleSession, signedInSession } from '../support/console-client.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';
import { cliEnvironment } from '../support/incident-harness.ts';
import { temporalAddress } from '../support/temporal.ts';

let ch: ConsoleHarness;
let console_: RunningConsole;

const sessionAs = (name: string, role: Role) => signedInSession(console_, name, role);

const incidentPath = () => `/incidents/${ch.incident.workflowId}`;

beforeAll(async () => {
  ch = await startConsoleHarness();
  console_ = ch.console;
});

afterAll(async () => {
  await ch?.close();
});

describe('console sessions end on the server', () => {
  it('sign-out ends the session: a copy of the cookie saved before no longer works, for pages or actions', async () => {
    const bob = await sessionAs('bob', 'approver');
    const page = await bob.get(incidentPath());
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const saved = bob.copy();
    const savedForAction = bob.copy();
    expect(await bob.post('/logout', { _csrf: csrf })).toMatchObject({ status: 303, location: '/login?ended=1' });

    // The saved cookie is the one that worked a moment ago: now it is no session at all.
    const again = await saved.get(incidentPath());
    expect(again.status).toBe(302);
    expect(again.location).toBe(`/login?next=${encodeURIComponent(incidentPath())}&ended=1`);
    const signIn = await saved.get(again.location!);
    expect(signIn.body).toContain('Your session has ended (you signed out, or it expired). Sign in again to continue.');
    expect(signIn.body).toContain('<code>runbook login-link</code> prints a new one');

    const before = await signalsAndUpdates(ch.incident);
    const approval = await savedForAction.post(`${incidentPath()}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'approved',
    });
    expect(approval.status).toBe(401);
    expect(approval.body).toContain('<link rel="stylesheet" href="/static/console.css">');
    expect(approval.body).toContain('Your session has ended (you signed out, or it expired): nothing was sent.');
    expect(approval.body).toContain('<a href="/login">Sign in</a>');
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
  });

  it('answers every page with Cache-Control: no-store, so Back after sign-out asks the server again', async () => {
    const carol = await sessionAs('carol', 'viewer');
    const response = await fetch(new URL(incidentPath(), console_.url), { headers: { cookie: await cookieOf(carol) } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // RUNBOOK_TEMPORAL_UI_URL is unset here: no link to a Web UI nobody configured.
    expect(await response.text()).not.toContain('temporal-ui');
  });

  it('ends the live stream of a signed-out session with a "signed out" event', async () => {
    const carol = await sessionAs('carol', 'viewer');
    const csrf = await carol.csrf(incidentPath());
    const stream = await carol.openStream(`${incidentPath()}/events?after=0`);
    try {
      await stream.until((t) => t.includes(': poll'), 'a first poll');
      await carol.post('/logout', { _csrf: csrf });
      const text = await stream.until((t) => t.includes('event: signed-out'), 'the signed-out event');
      expect(text).toContain('Signed out: this page no longer follows the incident. Sign in again to act on it.');
    } finally {
      stream.close();
    }
  });

  it('`runbook login-link` prints a new one-time link the running console accepts, once', async () => {
    const env = {
      ...cliEnvironment(ch.h, temporalAddress()),
      RUNBOOK_DATA_DIR: ch.h.dir,
      RUNBOOK_CONSOLE_URL: console_.url,
      USER: 'olivia',
    };
    const run = await runCli(['login-link'], { env });
    expect(run.code, run.stderr).toBe(0);
    const link = /(http:\/\/\S+\/login\/[A-Za-z0-9_-]+)/.exec(run.stdout)?.[1];
    expect(run.stdout).toContain('Sign in as olivia (approver; one-time link, valid 15 minutes): ');
    const olivia = new ConsoleSession(console_.url);
    expect(await olivia.signIn(link!)).toMatchObject({ status: 302, location: '/' });
    expect((await olivia.get('/')).body).toContain('olivia (approver, local login)');
    expect(await new ConsoleSession(console_.url).signIn(link!)).toMatchObject({ location: '/login?failed=1' });

    const refused = await runCli(['login-link'], {
      env: { ...env, RUNBOOK_OIDC_ISSUER: 'https://idp.example', RUNBOOK_OIDC_CLIENT_ID: 'console' },
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('login links are for the local console only');
  });
});

describe('the server-side session record', () => {
  it('ends a session at its expiry, and tells whoever listens', () => {
    let now = 1_000;
    const store = new SessionStore({ ttlMs: 60_000, now: () => now });
    const sid = store.open();
    const heard: string[] = [];
    store.onEnd(sid, () => heard.push('ended'));
    now += 59_999;
    expect(store.isLive(sid)).toBe(true);
    now += 1;
    expect(store.isLive(sid)).toBe(false);
    expect(heard).toEqual(['ended']);
    expect(store.isLive(undefined)).toBe(false);
    expect(store.isLive('never-issued')).toBe(false);
  });
});

/** The Cookie header a session sends (read back from a copy's request). */
async function cookieOf(session: ConsoleSession): Promise<string> {
  return (session as unknown as { cookieHeader(): string }).cookieHeader();
}
