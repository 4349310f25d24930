import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import { TEXT_MAX } from '../../src/contract/index.ts';
import { CHROMIUM, consolePages, haveChromium, shows } from '../support/browser.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let browser: Browser;
let second: IncidentHandle | undefined;
const { signedIn } = consolePages(
  () => browser,
  () => ch.console,
);
const urlOf = (handle: IncidentHandle) => new URL(`/incidents/${handle.workflowId}`, ch.console.url).href;
const enableFallback = (page: Page) => page.locator('.pending[data-step="enable-fallback"]');

describe.skipIf(!haveChromium)('console forms in a real browser: typing is kept, refusals say why', () => {
  beforeAll(async () => {
    // The console checks hand-overs against the worker's own catalog (allowedSecretRefs: env:NEW_*).
    ch = await startConsoleHarness({ shareCatalog: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await second?.terminate('test over').catch(() => undefined);
    await browser?.close();
    await ch?.close();
  });

  it('keeps a half-typed approval comment while the live panel refreshes (a change made in another tab)', async () => {
    const { page: typing } = await signedIn('olivia', 'approver');
    await typing.goto(urlOf(ch.incident));
    const comment = enableFallback(typing).getByLabel('Comment (optional)');
    await comment.click();
    await typing.keyboard.type('checked the vendor status page, go');
    const { page: other } = await signedIn('dave', 'responder');
    await other.goto(urlOf(ch.incident));
    await other.getByRole('button', { name: 'Acknowledge' }).click();
    // The first tab's panel follows the change by itself, and the text typed there is still there.
    await shows(typing.locator('#panel'), 'Owner: dave (acknowledged)');
    expect(await enableFallback(typing).getByLabel('Comment (optional)').inputValue()).toBe(
      'checked the vendor status page, go',
    );
    await typing.close();
    await other.close();
  });

  it('in two tabs: when the step being typed for is decided in the other, the panel stays, says so, and the late approval is refused in words with the comment kept', async () => {
    second = await ch.h.start(
      { reporter: 'alice', symptom: 'second outage for the two-tab test', billedProbesPerHour: 100_000 },
      `${ch.h.taskQueue}-two-tabs`,
    );
    await ch.h.waitFor(
      second,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
      'the enable-fallback approval',
    );
    const { page: olivia } = await signedIn('olivia', 'approver');
    await olivia.goto(urlOf(second));
    await enableFallback(olivia).getByLabel('Comment (optional)').fill('my reasons, typed slowly');
    const { page: bob } = await signedIn('bob', 'approver');
    await bob.goto(urlOf(second));
    await enableFallback(bob).getByRole('button', { name: 'Approve' }).click();
    await shows(bob.locator('#changes td'), 'IDEOGRAM_FALLBACK=true');

    await olivia.locator('#panel-changed').waitFor({ state: 'visible' });
    await shows(olivia.locator('#panel-changed'), 'the step your text is for was decided or replaced');
    expect(await enableFallback(olivia).getByLabel('Comment (optional)').inputValue()).toBe('my reasons, typed slowly');
    const before = await signalsAndUpdates(second);
    const [response] = await Promise.all([
      olivia.waitForResponse((r) => r.url().endsWith('/decide')),
      enableFallback(olivia).getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect(response.status()).toBe(409);
    await shows(olivia.locator('.error'), 'step "enable-fallback" is already decided (approved)');
    expect(await olivia.locator('#kept-form textarea[name="comment"]').inputValue()).toBe('my reasons, typed slowly');
    // Refused by the update's validator: nothing reached the incident's history.
    expect(await signalsAndUpdates(second)).toEqual(before);
    await olivia.close();
    await bob.close();
  });

  it('asks before Reject and Cancel (no script needed), sends nothing on "No", and labels the Act row', async () => {
    const { page } = await signedIn('olivia', 'approver');
    await page.goto(urlOf(ch.incident));
    const before = await signalsAndUpdates(ch.incident);
    await enableFallback(page).getByLabel('Comment (optional)').fill('not during the sale');
    await enableFallback(page).getByRole('button', { name: 'Reject' }).click();
    await shows(page.locator('#confirm'), `Reject step enable-fallback of ${ch.incident.workflowId}?`);
    await page.getByRole('button', { name: 'Yes, reject enable-fallback' }).waitFor();
    await page.getByRole('link', { name: 'No, back to the incident' }).click();
    await enableFallback(page).getByRole('button', { name: 'Approve' }).waitFor();

    await page.getByLabel('Why cancel').fill('false alarm?');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await shows(page.locator('#confirm'), `Cancel incident ${ch.incident.workflowId}?`);
    await shows(page.locator('#confirm'), 'Reason: false alarm?.');
    await page.getByRole('link', { name: 'No, back to the incident' }).click();
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);

    // Every text field of the Act row has a label a screen reader (and a person) can read.
    for (const label of ['Note', 'Root cause', 'Why resolved', 'Why cancel'])
      await page.locator('#actions').getByLabel(label).waitFor();
    await page.close();
  });

  it('refuses a 5,000-character paste into the symptom saying the limit, and keeps all of it', async () => {
    const { page } = await signedIn('olivia', 'responder');
    await page.getByRole('link', { name: 'Open an incident' }).click();
    await shows(page.locator('#open-incident'), `up to ${TEXT_MAX} characters`);
    await page.locator('textarea[name="symptom"]').focus();
    const pasted = 'timeouts on /generate '.repeat(228).slice(0, 5_000);
    await page.keyboard.insertText(pasted);
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await shows(page.locator('#refusal'), `the symptom is 5000 characters long; the limit is ${TEXT_MAX} characters`);
    expect(await page.locator('textarea[name="symptom"]').inputValue()).toBe(pasted);
    await page.close();
  });

  it('refuses a runbook and a service that do not belong together, keeping what was typed', async () => {
    const { page } = await signedIn('olivia', 'responder');
    await page.goto(new URL('/incidents/new', ch.console.url).href);
    expect(await page.locator('select[name="runbook"]').inputValue()).toBe('ideogram');
    await page.locator('textarea[name="symptom"]').fill('chat completions fail');
    await page.locator('select[name="runbook"]').selectOption('openai');
    await page.locator('select[name="service"]').selectOption('ideogram-service');
    await page.getByRole('button', { name: 'Open the incident' }).click();
    await shows(page.locator('#refusal'), 'service ideogram-service is handled by runbook ideogram, not openai');
    expect(await page.locator('textarea[name="symptom"]').inputValue()).toBe('chat completions fail');
    expect(await page.locator('select[name="runbook"]').inputValue()).toBe('openai');
    await page.close();
  });

  it('shows styled pages for a missing incident (404) and an unknown path (404)', async () => {
    const { page } = await signedIn('carol', 'viewer');
    const missing = await page.goto(new URL('/incidents/incident-20260101-gone', ch.console.url).href);
    expect(missing?.status()).toBe(404);
    await shows(page.locator('h1'), 'No such incident');
    await page.locator('header').getByRole('link', { name: 'Incidents' }).waitFor();
    const unknown = await page.goto(new URL('/incidents-typo', ch.console.url).href);
    expect(unknown?.status()).toBe(404);
    await shows(page.locator('h1'), 'Page not found');
    await page.getByRole('link', { name: 'Back to the incidents' }).waitFor();
    await page.close();
  });

  // Last: the key-revoked outage it plays would reach the other tests' incident too.
  it('hands over a secret reference from the console, only one the catalog allows and never a value', async () => {
    // The key stays revoked until the test ends (the built-in auth-401 recovers after a few requests).
    ch.h.sim.setScenario([
      {
        legacy: { status: 401, body: { error: 'Unauthorized' } },
        v3: { status: 401, body: { error: 'Unauthorized' } },
      },
    ]);
    const revoked = await ch.h.start(
      { reporter: 'alice', symptom: '401 on every call', billedProbesPerHour: 100_000 },
      `${ch.h.taskQueue}-key-revoked`,
    );
    try {
      await ch.h.waitFor(
        revoked,
        (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference'),
        'the new-key-reference request',
      );
      const { page } = await signedIn('dave', 'responder');
      await page.goto(urlOf(revoked));
      const form = page.locator('.pending[data-step="new-key-reference"] form.secret-ref');
      await shows(form, 'never the secret itself');
      // No field for a secret's value: a reference, named after a pattern the catalog allows.
      expect(await form.locator('input[type="password"], textarea').count()).toBe(0);
      const reference = form.getByLabel('Reference matching env:NEW_*');
      await reference.fill('env:SOMEONE_ELSES_KEY');
      await form.getByRole('button', { name: 'Hand over the reference' }).click();
      await shows(
        page.locator('.error'),
        'secret reference env:SOMEONE_ELSES_KEY is not one this service allows (allowed: env:NEW_*)',
      );
      await page.goto(urlOf(revoked));
      await reference.fill('env:NEW_IDEOGRAM_KEY');
      await form.getByRole('button', { name: 'Hand over the reference' }).click();
      await shows(page.locator('#timeline-rows td'), 'dave provided a secret reference: env:NEW_IDEOGRAM_KEY');
      await page.locator('.pending[data-step="apply-new-key"]').waitFor();
      await page.close();
    } finally {
      await revoked.terminate('test over').catch(() => undefined);
    }
  });
});
