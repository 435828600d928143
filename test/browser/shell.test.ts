import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { describeInBrowser, launchBrowser, newShopper, screenshot } from './support';

/**
 * The web apps on the platform's origin: the storefront at `/`, the console at `/admin/`, the
 * local sign-in picker, the security headers, and an app page for any path without a file.
 */
let platform: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  platform = await startTestPlatform();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describeInBrowser('the web apps on the API origin', () => {
  it('serves the storefront with its security headers, and an app page for any path without a file', async () => {
    const page = await fetch(`${platform.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const deep = await fetch(`${platform.url}/products/anything`);
    expect(await deep.text()).toBe(await page.text());
    const console = await fetch(`${platform.url}/admin/orders`);
    expect(await console.text()).toContain('/assets/admin/');
    expect((await fetch(`${platform.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${platform.url}/..%2f..%2fpackage.json`)).status).toBe(404);
    // The API keeps its own answers.
    expect((await fetch(`${platform.url}/v1/no-such-route`)).headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('signs a customer in with the local picker, and keeps the console for staff', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await expect.poll(() => page.getByRole('searchbox', { name: 'Search' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('radio', { name: /Bob/ }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByText('bob@example.com').isVisible()).toBe(true);
    await screenshot(page, 'storefront-signed-in');

    await page.goto('/admin/');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('is not staff of this shop');
    await page.getByRole('radio', { name: /staff of demo/ }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Console' }).isVisible()).toBe(true);
    await screenshot(page, 'console-signed-in');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses a sign-in as anyone the picker does not offer', async () => {
    const response = await fetch(`${platform.url}/local/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'mallory' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('validation_failed');
  });
});
