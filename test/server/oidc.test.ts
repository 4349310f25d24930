import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleSession, type ConsoleResponse } from '../support/console-client.ts';
import {
  firstUpdateInput,
  signalsAndUpdates,
  startConsoleHarness,
  type ConsoleHarness,
} from '../support/console-harness.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.ts';

let ch: ConsoleHarness;
let idp: TestIdentityProvider;
let issuer: string;
let consoleUrl: string;

beforeAll(async () => {
  // A real OpenID provider in the test process: discovery, authorization endpoint, login, token, signed ID tokens.
  idp = await startIdentityProvider();
  ({ issuer, consoleUrl } = idp);
  ch = await startConsoleHarness({ port: idp.consolePort, env: idp.env });
});

afterAll(async () => {
  await ch?.close();
  idp?.close();
});

/** A browser signing in: the console sends it to the provider, it fills the login and consent forms, and comes back. */
async function signInAs(login: string): Promise<{ browser: ConsoleSession; landed: ConsoleResponse }> {
  const browser = new ConsoleSession(consoleUrl);
  const atIdp = new ConsoleSession(issuer);
  let response = await browser.get('/auth/oidc');
  for (let hop = 0; hop < 12; hop++) {
    const next = new URL(response.location ?? '', issuer).href;
    if (next.startsWith(consoleUrl)) return { browser, landed: await browser.get(next) };
    response = await atIdp.get(next);
    if (response.status === 200) {
      const action = /<form[^>]*action="([^"]+)"/.exec(response.body)![1]!;
      const prompt = /name="prompt" value="(\w+)"/.exec(response.body)![1]!;
      response = await atIdp.post(action, prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
    }
  }
  throw new Error(`sign-in of ${login} did not come back to the console`);
}

describe('the console with OpenID Connect', () => {
  it('signs an approver in with the authorization code flow and records issuer and subject on the approval', async () => {
    const { browser, landed } = await signInAs('erin');
    expect(landed).toMatchObject({ status: 302, location: '/' });
    const page = await browser.get(`/incidents/${ch.incident.workflowId}`);
    expect(page.body).toContain(`erin (approver, ${issuer})`);
    expect(page.body).toContain('>Approve<');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const approved = await browser.post(`/incidents/${ch.incident.workflowId}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'approved',
    });
    expect(approved.status).toBe(303);
    expect(await firstUpdateInput(ch.incident)).toMatchObject({
      by: 'erin',
      via: { channel: 'console', issuer, subject: 'erin' },
    });
  });

  it('gives a member of the viewers group no Approve button and a 403 for a forged approval', async () => {
    const { browser } = await signInAs('vic');
    const page = await browser.get(`/incidents/${ch.incident.workflowId}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('>Approve<');
    const before = await signalsAndUpdates(ch.incident);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const forged = await browser.post(`/incidents/${ch.incident.workflowId}/decide`, {
      _csrf: csrf,
      step: 'enable-fallback',
      decision: 'rejected',
    });
    expect(forged.status).toBe(403);
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
  });

  it('refuses someone whose groups grant no console role', async () => {
    const { browser, landed } = await signInAs('mallory');
    expect(landed.status).toBe(403);
    expect((await browser.get('/')).location).toBe('/login');
  });

  it.each([
    ['erin-hidden', 'a name without invisible characters (found U+200B)'],
    ['erin-cyrillic', 'a name in one script: it mixes Cyrillic and Latin'],
  ])(
    'refuses %s, whose name would show as erin, with 403 and the reason, and signs nobody in',
    async (login, reason) => {
      const { browser, landed } = await signInAs(login);
      expect(landed.status).toBe(403);
      expect(landed.body).toContain(`Forbidden: your account name cannot identify you here: ${reason}`);
      expect((await browser.get('/')).location).toBe('/login');
    },
  );

  it('accepts no local login link once an issuer is configured', async () => {
    expect(ch.console.loginUrl).toBeNull();
    const token = ch.console.loginLinks.issue({
      name: 'alice',
      roles: ['viewer'],
      issuer: 'local-link',
      subject: 'alice@test',
    });
    const response = await new ConsoleSession(consoleUrl).get(`/login/${token}`);
    expect(response.location).toBe('/login?failed=1');
  });
});
