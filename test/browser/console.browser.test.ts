import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator } from 'playwright-core';
import type { IncidentResult } from '../../src/contract/index.ts';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

/** Debian's Chromium, from the distribution's package registry; never a browser downloaded from elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`\n*** console browser tests SKIPPED: no Chromium at ${CHROMIUM} — install it with \`apt-get install chromium\` (or set CHROMIUM_PATH) ***\n`);

/** Waits until the element shows `text` (Playwright's own waiting; fails at the page's default timeout). */
const shows = (locator: Locator, text: string) => locator.filter({ hasText: text }).first().waitFor();

let ch: ConsoleHarness;
let browser: Browser;
let shots: string;

describe.skipIf(!haveChromium)('the incident console in a real browser', () => {
  beforeAll(async () => {
    // The person at the keyboard is olivia; alice reported the incident, so olivia may approve it.
    ch = await startConsoleHarness({ env: { USER: 'olivia' } });
    // Running as root (CI containers) Chromium needs its sandbox off; the pages are our own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // UPDATE_SCREENSHOTS=1 refreshes the README's pictures; otherwise they go to a scratch dir.
    shots = process.env.UPDATE_SCREENSHOTS ? join(PROJECT_ROOT, 'docs') : await mkdtemp(join(tmpdir(), 'console-shots-'));
  });

  afterAll(async () => {
    await browser?.close();
    await ch?.close();
  });

  it('signs in with the local link, follows the incident live, approves both steps and sees it resolve', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(ch.console.loginUrl!);
    await shows(page.locator('header .who'), 'olivia (approver, local login)');
    const id = ch.incident.workflowId;
    await page.locator('#incidents').getByRole('link', { name: id }).waitFor();
    await page.screenshot({ path: join(shots, 'console-incidents.png') });

    await page.getByRole('link', { name: id }).click();
    const enable = page.locator('.pending[data-step="enable-fallback"]');
    await shows(enable.locator('pre'), 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true');
    await page.screenshot({ path: join(shots, 'console-incident.png') });
    await enable.getByPlaceholder('comment (optional)').fill('go ahead');
    await enable.getByRole('button', { name: 'Approve' }).click();
    await shows(page.locator('#changes td'), 'IDEOGRAM_FALLBACK=true');

    // The provider recovers: the page asks for disable-fallback by itself (server-sent events, no reload).
    const disable = page.locator('.pending[data-step="disable-fallback"]');
    await disable.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#state', { hasText: /^resolved$/ }).waitFor();
    await shows(page.locator('#changes'), 'reverted');
    await shows(page.locator('#postmortem'), 'provider_outage');
    await shows(page.locator('#audit'), 'olivia');
    const result = (await ch.incident.result()) as IncidentResult;
    expect(result.state).toBe('resolved');
    expect(result.approvals.filter((a) => a.by === 'olivia').map((a) => a.stepId)).toEqual(['enable-fallback', 'disable-fallback']);
  });

  it('opens an incident from the form, showing a <script> symptom as text, and cancels it', async () => {
    ch.h.sim.setScenario([{ legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } }]);
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(new URL('/login/' + ch.console.loginLinks.issue({ name: 'olivia', roles: ['viewer', 'responder'], issuer: 'local-link', subject: 'olivia@test' }), ch.console.url).href);
    await page.getByRole('link', { name: 'Open an incident' }).click();
    const symptom = '<script>alert("pwned")</script> images fail';
    await page.locator('textarea[name="symptom"]').fill(symptom);
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await page.waitForURL(/\/incidents\/incident-/);
    await shows(page.locator('#timeline-rows td'), symptom);
    // A responder acts on the incident but is never offered an approval.
    await page.getByPlaceholder('why cancel').fill('opened by the browser test');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await shows(page.locator('#timeline-rows td'), 'Cancellation requested by olivia');
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
