import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, consolePages, haveChromium, shows } from '../support/browser.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let browser: Browser;
const { signedIn } = consolePages(
  () => browser,
  () => ch.console,
);
const incidentUrl = () => new URL(`/incidents/${ch.incident.workflowId}`, ch.console.url).href;
const enableFallback = '.pending[data-step="enable-fallback"]';

describe.skipIf(!haveChromium)('console sessions in a real browser: sign-out ends them', () => {
  beforeAll(async () => {
    ch = await startConsoleHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await ch?.close();
  });

  it('after sign-out, Back does not show the incident page with its buttons, but the sign-in page', async () => {
    const { page } = await signedIn('bob', 'approver');
    await page.goto(incidentUrl());
    await page.locator(enableFallback).getByRole('button', { name: 'Approve' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await shows(
      page.locator('#why-sign-in'),
      'Your session has ended (you signed out, or it expired). Sign in again to continue.',
    );
    await page.goBack();
    await shows(page.locator('h1'), 'Sign in');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.close();
  });

  it('a cookie saved before sign-out no longer signs anyone in', async () => {
    const { page } = await signedIn('bob', 'approver');
    const saved = await page.context().cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await shows(page.locator('#why-sign-in'), 'Your session has ended');

    const replay = await browser.newContext();
    await replay.addCookies(saved);
    const stolen = await replay.newPage();
    await stolen.goto(incidentUrl());
    await shows(stolen.locator('#why-sign-in'), 'Your session has ended (you signed out, or it expired)');
    expect(new URL(stolen.url()).pathname).toBe('/login');
    expect(await stolen.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await replay.close();
    await page.close();
  });

  it('signing out in one tab shows "signed out" in the other and takes its buttons away; a page without script gets a sign-in page, nothing sent', async () => {
    const { page: first } = await signedIn('bob', 'approver');
    await first.goto(incidentUrl());
    await first.locator(enableFallback).getByRole('button', { name: 'Approve' }).waitFor();
    // A second tab of the same session (its cookie).
    const secondContext = await browser.newContext();
    await secondContext.addCookies(await first.context().cookies());
    const second = await secondContext.newPage();
    await second.goto(incidentUrl());
    // A third view of the same session with no script: its form stays, as a saved or stale page would.
    const noScriptContext = await browser.newContext({ javaScriptEnabled: false });
    await noScriptContext.addCookies(await first.context().cookies());
    const stale = await noScriptContext.newPage();
    await stale.goto(incidentUrl());
    await stale.locator(enableFallback).getByRole('button', { name: 'Approve' }).waitFor();

    await second.getByRole('button', { name: 'Sign out' }).click();
    await shows(first.locator('#live'), 'Signed out: this page no longer follows the incident.');
    await first.locator('#live').getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await first.locator('#panel form').count()).toBe(0);

    const before = await signalsAndUpdates(ch.incident);
    await stale.locator(enableFallback).getByRole('button', { name: 'Approve' }).click();
    await shows(stale.locator('h1'), 'Sign in to continue');
    await shows(
      stale.locator('#signed-out'),
      'Your session has ended (you signed out, or it expired): nothing was sent.',
    );
    await stale.getByRole('main').getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
    await noScriptContext.close();
    await secondContext.close();
    await first.close();
  });
});
