import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import { approveSignal, timelineQuery } from '../../src/contract/index.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { CHROMIUM, consolePages, haveChromium, screenshotDir, shows } from '../support/browser.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';

/** 429s whatever the concurrency: the cut does not cure it, so the plan hands the incident to a human. */
const RATE_LIMITED: ScenarioPhase[] = [
  {
    legacy: {
      status: 429,
      body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' },
      retryAfterSeconds: 1,
    },
    v3: { status: 429, body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' }, retryAfterSeconds: 1 },
  },
];

let ch: ConsoleHarness;
let browser: Browser;
let owned: IncidentHandle;
let shots: string;
const { signedIn } = consolePages(
  () => browser,
  () => ch.console,
);
const pageOf = (handle: IncidentHandle) => new URL(`/incidents/${handle.workflowId}`, ch.console.url).href;

describe.skipIf(!haveChromium)('the console when a human owns the incident (real browser)', () => {
  beforeAll(async () => {
    ch = await startConsoleHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    shots = await screenshotDir();
  });

  afterAll(async () => {
    await owned?.terminate('test over').catch(() => undefined);
    await browser?.close();
    await ch?.close();
  });

  it('refuses Verify again (valid CSRF token) while the engine still owns the incident: 409 with the table’s reason, nothing sent', async () => {
    // The harness's incident waits for an approval: the plan, not a human, owns it.
    const { page } = await signedIn('bob', 'approver');
    await page.goto(pageOf(ch.incident));
    expect(await page.locator('#needs-human').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Verify again' }).count()).toBe(0);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const before = await signalsAndUpdates(ch.incident);
    const forged = await page.request.post(`${pageOf(ch.incident)}/verify`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(forged.status()).toBe(409);
    expect(await forged.text()).toContain(
      'offered only once the engine has handed the incident to a human (needs_human); it is awaiting_approval',
    );
    expect(await signalsAndUpdates(ch.incident)).toEqual(before);
    await page.close();
    // Its outage would compete for the simulator with the next incident's 429s.
    await ch.incident.terminate('done with it');
  });

  it('shows why and the choices, verifies again on a click, and reverts the change a human chose', async () => {
    const h = ch.h;
    h.sim.setScenario(RATE_LIMITED);
    // Three seconds of 429s at the reduced concurrency and the plan gives up: a human owns it.
    const service = h.input().service;
    owned = await h.start(
      {
        reporter: 'alice',
        service: { ...service, settings: { ...service.settings, rateLimitWindowMs: 3_000 } },
        billedProbesPerHour: 100_000,
      },
      `${h.taskQueue}-owned`,
    );
    await h.waitFor(
      owned,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'reduce-concurrency' && a.outcome === 'pending'),
      'the reduce-concurrency approval',
    );
    await owned.signal(approveSignal, { stepId: 'reduce-concurrency', by: 'bob' });
    await h.waitFor(owned, (s) => s.state === 'needs_human', 'the hand-over to a human');

    const { page, dialogs } = await signedIn('olivia', 'approver');
    await page.goto(pageOf(owned));
    const section = page.locator('#needs-human');
    await shows(section.locator('h2'), 'A human owns this incident');
    await shows(section, '429s persist at IDEOGRAM_CONCURRENCY=3: contact Ideogram for a limit increase');
    const revert = section.locator('form.revert', { hasText: 'IDEOGRAM_CONCURRENCY=3' });
    await shows(revert, 'shields users: once it is reverted, they get errors if the provider still fails');
    await revert.getByRole('button', { name: 'Revert IDEOGRAM_CONCURRENCY=3' }).waitFor();
    await shows(
      page.locator('#actions .warning'),
      /Resolve or cancel: Reverts IDEOGRAM_CONCURRENCY=3 on .* shields users: if the provider still fails, they get errors once it is reverted\./,
    );
    await page.screenshot({ path: join(shots, 'console-needs-human.png') });

    await section.getByRole('button', { name: 'Verify again' }).click();
    await shows(page.locator('#timeline-rows td'), 'olivia via the console chose to verify again');
    const timeline = (await owned.query(timelineQuery)).map((e) => e.message);
    expect(timeline.some((m) => m.startsWith('mitigating: resuming the plan: olivia asked to verify again'))).toBe(
      true,
    );

    // Still 429s: the plan hands it back after its window, and the page follows by itself.
    await page.locator('#state', { hasText: /^needs_human$/ }).waitFor();
    await page.locator('#needs-human').getByRole('button', { name: 'Revert IDEOGRAM_CONCURRENCY=3' }).click();
    await shows(page.locator('#timeline-rows td'), "Reverted reduce-concurrency by olivia's choice");
    await shows(page.locator('#changes tr', { hasText: 'IDEOGRAM_CONCURRENCY=3' }), /reverted (just now|\d)/);
    await page.locator('#state', { hasText: /^needs_human$/ }).waitFor();
    expect(await page.locator('#needs-human form.revert').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 120_000);
});
