import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';

/**
 * Headless Chromium for the browser journeys: Debian's `chromium` package driven by
 * playwright-core (Playwright's own browser download cannot reach its host from here).
 * `CHROMIUM_PATH` overrides where it is. Without it, the journeys are skipped with the reason
 * when run by hand, and fail under CI (`.ci/run` installs it).
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
export const CHROMIUM = CANDIDATES.find((path) => existsSync(path));
const MISSING = 'Chromium is not installed: apt-get install -y chromium, or set CHROMIUM_PATH';

if (!CHROMIUM && process.env.CI) throw new Error(`${MISSING}. .ci/run installs it; run it again.`);

/** `describe` for a journey in the browser: skipped, with the reason in its name, when Chromium is missing. */
export function describeInBrowser(name: string, body: () => void): void {
  if (CHROMIUM) describe(name, body);
  else describe.skip(`${name} (skipped: ${MISSING})`, body);
}

/** Flags that keep Chromium off the network it cannot reach here, and working as root in a container. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(MISSING);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** A fresh browser profile (its own localStorage) on the platform's origin, with the page's errors and failed files collected. */
export async function newShopper(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The API's own 4xx answers (a declined card, sold out) are journeys' expected answers; Chromium
  // also logs them as console errors, so those are left out. Any failed file of the apps is kept.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/v1/')) errors.push(`${response.status()} ${response.url()}`);
  });
  return { context, page, errors };
}

/** Screenshots of the pages, kept in the git-ignored `test-results/screenshots/` (the README shows some). */
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
