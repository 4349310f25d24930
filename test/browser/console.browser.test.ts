import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import { statusQuery, type IncidentResult } from '../../src/contract/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { catalogFromConfig } from '../../src/config/service-catalog.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { runbookIds } from '../../src/runbooks/index.ts';
import { runbookTooling } from '../../src/runbooks/tooling/index.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { startConsole, type RunningConsole } from '../../src/server/serve.ts';
import { CHROMIUM, consolePages, haveChromium, screenshotDir, shows } from '../support/browser.ts';
import { RECOVERED, signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';
import { cliEnvironment } from '../support/incident-harness.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../support/oidc-provider.ts';
import { temporalAddress } from '../support/temporal.ts';

// One stack for the suite: worker, simulator and the dev-mode console (its Drill page included),
// plus a second console on the same worker that signs people in with a real OpenID provider.
let ch: ConsoleHarness;
let idp: TestIdentityProvider;
let oidcConsole: RunningConsole;
let browser: Browser;
/** The negative cases' incident: waiting for approval, reported by alice. */
let pending: IncidentHandle;
let shots: string;

const { newPage, signedIn } = consolePages(
  () => browser,
  () => ch.console,
);

const incidentUrl = () => new URL(`/incidents/${pending.workflowId}`, ch.console.url).href;
/** An outage that does not recover by itself. */
const LASTING_OUTAGE: ScenarioPhase[] = [
  { legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } },
];
const enableFallback = (page: Page) => page.locator('.pending[data-step="enable-fallback"]');

describe.skipIf(!haveChromium)('the incident console in a real browser', () => {
  beforeAll(async () => {
    // The person at the keyboard is olivia; alice reported the incident, so olivia may approve it.
    ch = await startConsoleHarness({ env: { USER: 'olivia' }, devMode: true });
    idp = await startIdentityProvider();
    const env = { ...cliEnvironment(ch.h, temporalAddress()), RUNBOOK_DATA_DIR: ch.h.dir, ...idp.env };
    oidcConsole = await startConsole({
      client: ch.h.client,
      config: loadConfig(env),
      catalog: catalogFromConfig(loadConfig(env)),
      env,
      logger: createLogger({ level: 'silent', format: 'json' }),
      port: idp.consolePort,
    });
    // Running as root (CI containers) Chromium needs its sandbox off; the pages are our own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    shots = await screenshotDir();
  });

  afterAll(async () => {
    await browser?.close();
    await oidcConsole?.close();
    idp?.close();
    await ch?.close();
  });

  it('signs in with the local link, follows the incident live, approves both steps, sees it resolve and reads the rendered postmortem', async () => {
    const { page, dialogs } = await newPage();
    await page.goto(ch.console.loginUrl!);
    await shows(page.locator('header .who'), 'olivia (approver, local login)');
    const id = ch.incident.workflowId;
    await page.locator('#incidents').getByRole('link', { name: id }).waitFor();
    await page.screenshot({ path: join(shots, 'console-incidents.png') });

    await page.getByRole('link', { name: id }).click();
    const enable = enableFallback(page);
    await shows(enable.locator('pre'), 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true');
    await page.screenshot({ path: join(shots, 'console-incident.png') });
    // People's text goes into the postmortem: markup and script links in it must stay inert.
    const note = '<script>alert("note")</script> rollback plan in [x](javascript:alert(1))';
    await page.getByPlaceholder('note', { exact: true }).fill(note);
    await page.getByRole('button', { name: 'Add note' }).click();
    await shows(page.locator('#timeline-rows td'), note);
    await enable.getByPlaceholder('comment (optional)').fill('go ahead');
    await enable.getByRole('button', { name: 'Approve' }).click();
    await shows(page.locator('#changes td'), 'IDEOGRAM_FALLBACK=true');

    // The provider recovers: the page asks for disable-fallback by itself (server-sent events, no reload).
    ch.h.sim.setScenario(RECOVERED);
    const disable = page.locator('.pending[data-step="disable-fallback"]');
    await disable.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#state', { hasText: /^resolved$/ }).waitFor();
    await shows(page.locator('#changes'), 'reverted');
    await shows(page.locator('#audit'), 'olivia');

    // The postmortem is rendered markdown: headings and lists, the note as text, no javascript: link.
    const postmortem = page.locator('#postmortem');
    await shows(postmortem.locator('h2'), 'provider outage');
    await shows(postmortem.locator('h3'), 'Timeline');
    await shows(postmortem.locator('li'), '<script>alert("note")</script>');
    await shows(postmortem.locator('li'), '[x](javascript:alert(1))');
    expect(await postmortem.locator('script, a[href^="javascript:" i]').count()).toBe(0);
    await postmortem.scrollIntoViewIfNeeded();
    await postmortem.screenshot({ path: join(shots, 'console-postmortem.png') });
    expect(dialogs).toEqual([]);
    const result = (await ch.incident.result()) as IncidentResult;
    expect(result.state).toBe('resolved');
    expect(result.approvals.filter((a) => a.by === 'olivia').map((a) => a.stepId)).toEqual([
      'enable-fallback',
      'disable-fallback',
    ]);
    await page.close();
  }, 120_000);

  it('opens an incident from the form, showing a <script> symptom as text, and cancels it', async () => {
    ch.h.sim.setScenario(LASTING_OUTAGE);
    const { page, dialogs } = await signedIn('olivia', 'responder');
    await page.getByRole('link', { name: 'Open an incident' }).click();
    const symptom = '<script>alert("pwned")</script> images fail';
    await page.locator('textarea[name="symptom"]').fill(symptom);
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await page.waitForURL(/\/incidents\/incident-/);
    await shows(page.locator('#timeline-rows td'), symptom);
    // A responder acts on the incident but is never offered an approval.
    await page.getByPlaceholder('why cancel').fill('opened by the browser test');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the incident' }).click();
    await shows(page.locator('#timeline-rows td'), 'Cancellation requested by olivia');
    expect(dialogs).toEqual([]);
    await page.close();
  });

  describe('with an incident waiting for approval', () => {
    // The first incident has been resolved: a new one whose outage lasts, reported by alice.
    beforeAll(async () => {
      ch.h.sim.setScenario(LASTING_OUTAGE);
      pending = await ch.h.start(
        { reporter: 'alice', symptom: 'image generation failing again' },
        `${ch.h.taskQueue}-pending`,
      );
      await ch.h.waitFor(
        pending,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
        'the enable-fallback approval',
      );
    });

    afterAll(async () => {
      await pending?.terminate('test over').catch(() => undefined);
    });

    it("signs in with OpenID Connect through the provider's own login and consent pages", async () => {
      const { page } = await newPage();
      await page.goto(new URL('/login', oidcConsole.url).href);
      await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
      await page.waitForURL((url) => url.href.startsWith(idp.issuer));
      await page.locator('input[name="login"]').fill('erin');
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${oidcConsole.url}/`);
      await shows(page.locator('header .who'), `erin (approver, ${idp.issuer})`);
      await page.goto(new URL(`/incidents/${pending.workflowId}`, oidcConsole.url).href);
      await enableFallback(page).getByRole('button', { name: 'Approve' }).waitFor();
      await page.close();
    });

    it("shows a viewer no Approve button, and refuses the viewer's forged approval (valid CSRF token) with 403, signalling nothing", async () => {
      const { page } = await signedIn('carol', 'viewer');
      await page.goto(incidentUrl());
      await shows(enableFallback(page), 'Only approvers can decide this step.');
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const before = await signalsAndUpdates(pending);
      const forged = await page.request.post(`${incidentUrl()}/decide`, {
        form: { _csrf: csrf, step: 'enable-fallback', decision: 'approved' },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      expect(await signalsAndUpdates(pending)).toEqual(before);
      await page.close();
    });

    it('refuses an approval whose form lost its CSRF token, signalling nothing', async () => {
      const { page } = await signedIn('bob', 'approver');
      await page.goto(incidentUrl());
      const before = await signalsAndUpdates(pending);
      await enableFallback(page)
        .locator('input[name="_csrf"]')
        .evaluate((input) => input.remove());
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/decide')),
        enableFallback(page).getByRole('button', { name: 'Approve' }).click(),
      ]);
      expect(response.status()).toBe(403);
      await shows(page.locator('h1'), 'Forbidden');
      expect(await signalsAndUpdates(pending)).toEqual(before);
      await page.close();
    });

    it('does not let the reporter approve their own incident', async () => {
      const { page } = await signedIn('alice', 'approver');
      await page.goto(incidentUrl());
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/decide')),
        enableFallback(page).getByRole('button', { name: 'Approve' }).click(),
      ]);
      expect(response.status()).toBe(409);
      await shows(page.locator('.error'), /approval refused|reported/i);
      const status = await pending.query(statusQuery);
      expect(status.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.decisions).toEqual([]);
      await page.close();
    });
  });

  it('starts a drill of a built-in scenario from the Drill page and lands on its incident, which runs to its end', async () => {
    const { page } = await signedIn('olivia', 'responder');
    await page.getByRole('link', { name: 'Drill', exact: true }).click();
    await page.waitForURL(`${ch.console.url}/drill`);
    const scenarios = runbookIds().flatMap((id) => Object.keys(runbookTooling(id).scenarios));
    expect(await page.locator('tr[data-scenario]').count()).toBe(scenarios.length);
    await page.screenshot({ path: join(shots, 'console-drill.png') });

    const runbook = runbookIds()[0]!;
    await page
      .locator(`section[data-runbook="${runbook}"] tr[data-scenario="healthy"]`)
      .getByRole('button', { name: 'Start drill' })
      .click();
    // The drill's worker bundles the workflows before the incident opens: a slow first start on a busy machine.
    await page.waitForURL(/\/incidents\/incident-\d+-drill-healthy-/, { timeout: 120_000 });
    await shows(page.locator('#timeline-rows td'), 'drill: healthy');
    // The drill's own worker and simulator run it: triage finds nothing wrong and the incident closes.
    await page.locator('#state', { hasText: /^closed$/ }).waitFor({ timeout: 120_000 });
    const drillId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    expect(await ch.h.client.workflow.getHandle(drillId).result()).toMatchObject({ state: 'closed', cause: 'healthy' });
    await page.close();
  }, 180_000);
});
