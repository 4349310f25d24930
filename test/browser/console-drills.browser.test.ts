import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, consolePages, haveChromium, shows } from '../support/browser.ts';
import { RECOVERED, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

let ch: ConsoleHarness;
let browser: Browser;
const { signedIn } = consolePages(
  () => browser,
  () => ch.console,
);

describe.skipIf(!haveChromium)(
  'console drills at human speed, and a request the evidence overtook (real browser)',
  () => {
    beforeAll(async () => {
      ch = await startConsoleHarness({ devMode: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });

    afterAll(async () => {
      await browser?.close();
      await ch?.close();
    });

    it('an outage drill started from the console keeps failing until a person approves, then recovers and resolves', async () => {
      const { page } = await signedIn('olivia', 'approver');
      await page.goto(new URL('/drill', ch.console.url).href);
      await page
        .locator('section[data-runbook="ideogram"] tr[data-scenario="outage-500"]')
        .getByRole('button', { name: 'Start drill' })
        .click();
      // The drill's worker bundles the workflows before the incident opens: a slow first start on a busy machine.
      await page.waitForURL(/\/incidents\/incident-\d+-drill-outage-500-/, { timeout: 120_000 });
      const enable = page.locator('.pending[data-step="enable-fallback"]');
      await enable.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 120_000 });
      // The built-in scenario's outage lasts 14 requests, and every monitoring poll makes at least
      // one: unheld, it would be over by the fifteenth poll. Held for a person, it still fails there.
      const drill = ch.h.client.workflow.getHandle(decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!));
      const status = await ch.h.waitFor(drill, (s) => (s.monitor?.polls ?? 0) >= 15, 'fifteen monitoring polls');
      expect(status.monitor?.healthyStreak).toBe(0);
      expect(status.pendingApprovals.map((a) => a.stepId)).toEqual(['enable-fallback']);
      expect(await page.locator('.recovered').count()).toBe(0);
      await enable.getByRole('button', { name: 'Approve' }).click();
      await shows(page.locator('#changes td'), 'IDEOGRAM_FALLBACK=true');
      // Released by the decision, the scenario recovers: the plan asks to take the fallback out again.
      const disable = page.locator('.pending[data-step="disable-fallback"]');
      await disable.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 120_000 });
      // Asked because calls succeed: no "recovered since this was asked" beside it.
      expect(await disable.locator('.recovered').count()).toBe(0);
      await disable.getByRole('button', { name: 'Approve' }).click();
      await page.locator('#state', { hasText: /^resolved$/ }).waitFor({ timeout: 120_000 });
      await page.close();
    }, 300_000);

    it('says beside a pending fallback that the provider answers again, and what approving then means — which is what happens', async () => {
      const { page } = await signedIn('olivia', 'approver');
      await page.goto(new URL(`/incidents/${ch.incident.workflowId}`, ch.console.url).href);
      const enable = page.locator('.pending[data-step="enable-fallback"]');
      await enable.getByRole('button', { name: 'Approve' }).waitFor();
      ch.h.sim.setScenario(RECOVERED);
      await shows(enable.locator('.recovered'), 'Real calls succeed again since this was asked');
      await shows(enable.locator('.recovered'), 'If calls still succeed when you approve, the fallback is not enabled');
      await enable.getByRole('button', { name: 'Approve' }).click();
      await shows(page.locator('#timeline-rows td'), 'Real calls already succeed again: fallback not applied');
      await page.locator('#state', { hasText: /^resolved$/ }).waitFor();
      expect(await page.locator('#changes td', { hasText: 'IDEOGRAM_FALLBACK=true' }).count()).toBe(0);
      await page.close();
    }, 120_000);
  },
);
