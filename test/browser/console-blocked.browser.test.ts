import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import { CHROMIUM, consolePages, haveChromium, shows } from '../support/browser.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let browser: Browser;
const started: IncidentHandle[] = [];
const { signedIn } = consolePages(
  () => browser,
  () => ch.console,
);
const urlOf = (handle: IncidentHandle) => new URL(`/incidents/${handle.workflowId}`, ch.console.url).href;

/** An incident whose probes cannot read their key: triage is blocked until the worker can, or a reference is handed over. */
async function blockedIncident(name: string): Promise<IncidentHandle> {
  const service = { ...ch.h.input().service, apiKeyRef: { kind: 'env' as const, name: 'KEY_THE_WORKER_CANNOT_READ' } };
  const handle = await ch.h.start(
    { reporter: 'alice', symptom: `blocked: ${name}`, service },
    `${ch.h.taskQueue}-${name}`,
  );
  started.push(handle);
  await ch.h.waitFor(handle, (s) => s.state === 'blocked', 'the blocked state');
  return handle;
}

describe.skipIf(!haveChromium)('a blocked incident in the console (real browser)', () => {
  beforeAll(async () => {
    ch = await startConsoleHarness({ shareCatalog: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    for (const handle of started) await handle.terminate('test over').catch(() => undefined);
    await browser?.close();
    await ch?.close();
  });

  it('offers the hand-over of a key reference, and the probes use it', async () => {
    const blocked = await blockedIncident('hand-over');
    const { page } = await signedIn('dave', 'responder');
    await page.goto(urlOf(blocked));
    await shows(page.locator('#state'), 'blocked');
    const form = page.locator('#hand-over form.secret-ref');
    await shows(page.locator('#hand-over'), 'the probes use that reference and triage again');
    await form.getByLabel('Reference matching env:NEW_*').fill('env:NEW_IDEOGRAM_KEY');
    await form.getByRole('button', { name: 'Hand over the reference' }).click();
    await shows(page.locator('#timeline-rows td'), /^Probes now use env:NEW_IDEOGRAM_KEY \(provided by dave\)/);
    await page.close();
  });

  it('cancels a blocked incident after confirmation: it ends cancelled, not failed', async () => {
    const blocked = await blockedIncident('cancel');
    const { page } = await signedIn('dave', 'responder');
    await page.goto(urlOf(blocked));
    await page.getByLabel('Why cancel').fill('the key was rotated by hand');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, cancel the incident' }).click();
    await page.locator('#state', { hasText: /^cancelled$/ }).waitFor();
    const result = (await blocked.result()) as { state: string; timeline: Array<{ message: string }> };
    expect(result.state).toBe('cancelled');
    expect(result.timeline.some((e) => /remediation failed/.test(e.message))).toBe(false);
    await page.close();
  });
});
