import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { RunningConsole } from '../../src/server/serve.ts';
import { rolesFrom, type Role } from '../../src/server/identity.ts';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';

/** Debian's Chromium, from the distribution's package registry; never a browser downloaded from elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `\n*** console browser tests SKIPPED: no Chromium at ${CHROMIUM} — install it with \`apt-get install chromium\` (or set CHROMIUM_PATH) ***\n`,
  );

/** Where the browser tests put their screenshots: docs/images with UPDATE_SCREENSHOTS=1 (the README's pictures), a scratch dir otherwise. */
export async function screenshotDir(): Promise<string> {
  if (!process.env.UPDATE_SCREENSHOTS) return mkdtemp(join(tmpdir(), 'console-shots-'));
  const dir = join(PROJECT_ROOT, 'docs', 'images');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Waits until the element shows `text` (Playwright's own waiting; fails at the page's default timeout). */
export const shows = (locator: Locator, text: string | RegExp) => locator.filter({ hasText: text }).first().waitFor();

/** Pages on a dev console: fresh browser contexts, and people signed in with one-time links. */
export function consolePages(browser: () => Browser, console: () => RunningConsole) {
  /** A fresh browser (its own cookies) with every dialog recorded: a script that ran would show one. */
  async function newPage(): Promise<{ page: Page; dialogs: string[] }> {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(60_000);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    return { page, dialogs };
  }

  /** Signs `name` in to the dev console with a one-time link, as `runbook dev` prints them. */
  async function signedIn(name: string, role: Role): Promise<{ page: Page; dialogs: string[] }> {
    const opened = await newPage();
    const token = console().loginLinks.issue({
      name,
      roles: rolesFrom(role),
      issuer: 'local-link',
      subject: `${name}@test`,
    });
    await opened.page.goto(new URL(`/login/${token}`, console().url).href);
    await shows(opened.page.locator('header .who'), `${name} (${role}, local login)`);
    return opened;
  }

  return { newPage, signedIn };
}
