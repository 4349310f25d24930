import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { timelineQuery } from '../../src/contract/index.ts';
import { rolesFrom } from '../../src/server/identity.ts';
import { CHROMIUM, haveChromium, screenshotDir, shows } from '../support/browser.ts';
import { RECOVERED, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let browser: Browser;
let shots: string;

const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 900 },
  timezoneId: 'America/New_York',
  locale: 'en-US',
};
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  timezoneId: 'Europe/Berlin',
  locale: 'en-GB',
};

/** Script errors of every page opened: the page's script must run to the end. */
const scriptErrors: string[] = [];

/** Olivia, an approver, signed in with a one-time link, in a browser of the given shape and time zone. */
async function signedIn(options: BrowserContextOptions): Promise<Page> {
  const page = await browser.newPage(options);
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  const token = ch.console.loginLinks.issue({
    name: 'olivia',
    roles: rolesFrom('approver'),
    issuer: 'local-link',
    subject: 'olivia@test',
  });
  await page.goto(new URL(`/login/${token}`, ch.console.url).href);
  await page.waitForURL(`${ch.console.url}/`);
  return page;
}

const incidentUrl = () => new URL(`/incidents/${ch.incident.workflowId}`, ch.console.url).href;
const approveButton = (page: Page, step: string) =>
  page.locator(`.pending[data-step="${step}"]`).getByRole('button', { name: 'Approve' });

/** Buttons on screen narrower or shorter than a fingertip (44 px), by their label. */
async function smallButtons(page: Page): Promise<string[]> {
  const small: string[] = [];
  for (const control of await page.locator('button:visible, summary:visible').all()) {
    const box = (await control.boundingBox())!;
    if (box.height < 44 || box.width < 44)
      small.push(`${(await control.textContent())!.trim()} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}

/** How wide the page is: wider than the screen means sideways scrolling. */
const pageWidth = async (page: Page) => Number(await page.evaluate('document.documentElement.scrollWidth'));

describe.skipIf(!haveChromium)('the incident page as people read it (real browser)', () => {
  beforeAll(async () => {
    // Alice reported the harness's incident (an outage that lasts): olivia may approve it.
    ch = await startConsoleHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    shots = await screenshotDir();
  });

  afterAll(async () => {
    expect(scriptErrors).toEqual([]);
    await browser?.close();
    await ch?.close();
  });

  it('says in its header what is wrong, in shapes and words, what happens next and when, in the viewer’s time zone', async () => {
    const page = await signedIn(DESKTOP);
    // The audit trail below hides timer noise: read the page once the incident's history has some.
    await expect
      .poll(async () => (await ch.incident.fetchHistory()).events?.some((e) => e.timerFiredEventAttributes), {
        timeout: 30_000,
      })
      .toBe(true);
    await page.goto(incidentUrl());
    const header = page.locator('#summary');
    await shows(header.locator('.badge.sev-P1'), '◆ P1 critical');
    await shows(header.locator('.badge.state'), 'awaiting_approval');
    await shows(header.locator('.symptom'), '“image generation failing”');
    await shows(header.locator('.cause'), 'Cause: provider outage');
    await shows(
      header.locator('#next'),
      /^Waiting for a human: approve or reject enable-fallback — deadline in \d+ (s|min)/,
    );
    await shows(
      header.locator('.dues'),
      /Acknowledge in \d+ (s|min).*response time.*Next stakeholder update in \d+ (s|min)/,
    );
    // Nothing contradicts the state: no "P?", no "triage in progress", no past decision as the plan.
    expect(await header.textContent()).not.toMatch(/P\?|triage in progress|Enable fallback\./);

    // Every time is relative, with the absolute one on hover in the viewer's zone (New York here).
    const deadline = header.locator('#next time');
    expect(await deadline.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect.poll(() => deadline.getAttribute('title')).toMatch(/ (EST|EDT)$/);
    expect(await page.locator('#facts').textContent()).toMatch(
      /Opened (just now|\d+ (s|min) ago) \(open for \d+ (s|min)/,
    );

    // The timeline for people: the triage round in one row, its probes under it, the confirmations folded.
    const timeline = await ch.incident.query(timelineQuery);
    const rows = page.locator('#timeline-rows > tr');
    await expect.poll(() => rows.locator('time').first().textContent()).toMatch(/^\d\d:\d\d:\d\d (AM|PM) (EST|EDT)$/);
    expect(await rows.count()).toBeLessThan(timeline.length);
    const triage = rows.filter({ hasText: 'Probes: ' }).first();
    await shows(triage, /Probes: legacy_generate, v3_generate.*: HTTP 500/);
    await triage.locator('summary').click();
    await shows(triage.locator('ul.raw li'), /legacy_generate: FAIL HTTP 500/);
    await shows(
      rows.filter({ hasText: 'Confirmation: ' }),
      /Confirmation: legacy_generate, v3_generate: HTTP 500 ×2 over/,
    );
    // Timer noise stays out of the audit trail.
    expect(await page.locator('#audit').textContent()).not.toContain('timer fired');
    await shows(
      page.locator('section', { has: page.locator('#audit') }).locator('.muted'),
      /\d+ timer events not shown/,
    );

    await triage.locator('summary').click();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(shots, 'console-incident-desktop.png') });
    await page.close();
  });

  it('fits a 390 px phone: no sideways scrolling, Sign out on screen, Approve on the first screen, fingertip-sized buttons; approving there works', async () => {
    const page = await signedIn(PHONE);
    const fits = () => pageWidth(page);
    expect(await fits()).toBeLessThanOrEqual(390);
    await page.goto(incidentUrl());
    const approve = approveButton(page, 'enable-fallback');
    await approve.waitFor();
    await page.screenshot({ path: join(shots, 'console-incident-phone.png') });
    expect(await fits()).toBeLessThanOrEqual(390);
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    expect(signOut!.x + signOut!.width).toBeLessThanOrEqual(390);
    const box = (await approve.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(await smallButtons(page)).toEqual([]);

    await page.locator('.pending[data-step="enable-fallback"]').getByPlaceholder('comment (optional)').fill('go ahead');
    await approve.click();
    await shows(page.locator('#changes'), 'IDEOGRAM_FALLBACK=true');
    // New entries arrive in the digest by themselves; the page still fits.
    await shows(page.locator('#timeline-rows td'), 'IDEOGRAM_FALLBACK=true');
    expect(await fits()).toBeLessThanOrEqual(390);

    // The provider recovers: the header asks for disable-fallback and never says "Enable fallback" now.
    ch.h.sim.setScenario(RECOVERED);
    // Rows that only the live stream brings (no reload after the approval): in words, never "4/3".
    await shows(page.locator('#timeline-rows td'), /^Real check: healthy, 1 of 3 in a row — /);
    await shows(page.locator('#next'), 'approve or reject disable-fallback');
    expect(await page.locator('#timeline-rows').innerText()).not.toMatch(/healthy \d+\/\d+/);
    expect(await page.locator('#summary').textContent()).not.toMatch(/Enable fallback|\d+\/\d+ checks/);
    await approveButton(page, 'disable-fallback').click();
    await page.locator('#state', { hasText: /^resolved$/ }).waitFor();
    await shows(page.locator('#next'), /^Ended: resolved/);
    // The postmortem: its real duration, its fields apart, no checkboxes.
    const postmortem = page.locator('#postmortem');
    await shows(postmortem.locator('li'), /^Duration: \d+ (s|min)/);
    await shows(postmortem.locator('li'), /^Severity: P1$/);
    expect(await postmortem.textContent()).not.toMatch(/\[ \]|0h 0m/);
    expect(await fits()).toBeLessThanOrEqual(390);
    await page.evaluate("document.getElementById('timeline').scrollIntoView()");
    await page.screenshot({ path: join(shots, 'console-timeline-phone.png') });
    await page.close();
  }, 120_000);

  it('lists incidents on a phone without sideways scrolling, each one with its state and approvals on screen', async () => {
    const page = await signedIn(PHONE);
    await page.locator('#incidents').waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    // The harness's incident, resolved on the phone above: listed so once visibility has caught up.
    const row = page.locator('#incidents tr', { has: page.locator(`a:text-is("${ch.incident.workflowId}")`) });
    await expect
      .poll(async () => {
        await page.goto(new URL('/?all=1', ch.console.url).href);
        return (await row.locator('.badge.state').allTextContents()).join('');
      })
      .toContain('resolved');
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    // Nothing of an incident hides past the right edge, in the table's own scroll box or the page's.
    for (const cell of [row.locator('.badge.state'), row.locator('td[data-label="approvals waiting"]')]) {
      await cell.waitFor();
      const box = (await cell.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    expect(await row.locator('td[data-label="approvals waiting"]').textContent()).toBe('—');
    await page.close();
  });
});
