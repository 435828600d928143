import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { stockDropProduct } from '../support/drop-product';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { describeInBrowser, launchBrowser, newShopper, screenshot, SCREENSHOTS } from './support';

/**
 * Accessibility, proven in the browser: every page of both apps, with realistic data (a product
 * with variants in search, an order, an import with a refused line, flash sales upcoming, live,
 * queued, won and sold out), is audited by axe-core, and any violation of impact serious or
 * critical fails the test, listed by page, rule and element. axe also checks that every button,
 * input and select has an accessible name. A keyboard-only journey: a merchant restocks a SKU in
 * the console with Tab, arrow keys, Enter and typing, no click.
 */
let platform: TestPlatform;
let browser: Browser;
let admin: string;
const shop = DEMO_SHOP.shopId;
const run = randomUUID().slice(0, 6).toUpperCase();
const TITLE = `Accessible Parka ${run}`;
const CATEGORY = `parkas-${run.toLowerCase()}`;
let skus: Record<'a' | 'b' | 'c' | 'd' | 'e', string>;
let productId: string;
let orderId: string;
let importId: string;
const sales: Record<'upcoming' | 'queued' | 'won' | 'soldOut', string> = { upcoming: '', queued: '', won: '', soldOut: '' };
const WAIT = 30_000;
/** axe-core's script. The apps' CSP (`script-src 'self'`) refuses an injected script tag, so it is evaluated through the DevTools protocol, which the CSP does not govern. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

/** The browser's globals the page functions below use (the tests compile without the DOM library). */
declare const document: {
  activeElement: unknown;
  querySelector(selector: string): { insertAdjacentHTML(position: string, html: string): void } | null;
  getElementById(id: string): { remove(): void } | null;
};
declare function getComputedStyle(element: unknown): { outlineStyle: string };

const minutesFromNow = (minutes: number) => new Date(platform.clock.nowMs() + minutes * 60_000).toISOString();
const tokenOf = (sub: string) => platform.token({ sub, email: `${sub}@example.com` });

async function createSale(sku: string, units: number, startsInMinutes: number): Promise<string> {
  const res = await platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, {
    token: admin,
    body: { sku, units, startsAt: minutesFromNow(startsInMinutes), endsAt: minutesFromNow(startsInMinutes + 60), perCustomerLimit: 1, holdSeconds: 600 },
  });
  expect(res.status).toBe(201);
  return res.body.saleId as string;
}

/** Enters a sale through the API and waits for the win: the hold. */
async function winThroughApi(saleId: string, token: string): Promise<string> {
  const entry = await platform.request('POST', `/v1/shops/${shop}/flash-sales/${saleId}/entries`, { token });
  expect(entry.status).toBe(202);
  return eventually(
    async () => {
      const res = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${saleId}/entries/${entry.body.ticket}`, { token });
      expect(res.body.status).toBe('won');
      return res.body.holdId as string;
    },
    { timeoutMs: WAIT, intervalMs: 200 },
  );
}

async function checkout(token: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ada@example.com', ...extra },
  });
  expect(res.status).toBe(201);
  return res.body.orderId as string;
}

beforeAll(async () => {
  process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000';
  platform = await startTestPlatform({ warehousePickDelayMs: 600_000 });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  skus = (await stockDropProduct(platform, admin, { title: TITLE, category: CATEGORY, skuPrefix: `A11Y${run}`, amount: 18_900, units: { a: 8, b: 3, c: 3, d: 3, e: 3 } })) as typeof skus;
  productId = (await platform.request('GET', `/v1/shops/${shop}/variants/${skus.a}`)).body.productId;
  // Alice's order (storefront and console order pages), and an item left in her cart (cart, checkout).
  const alice = await tokenOf('alice');
  expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/${skus.a}`, { token: alice, body: { quantity: 1 } })).status).toBe(200);
  orderId = await checkout(alice);
  expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/${skus.a}`, { token: alice, body: { quantity: 2 } })).status).toBe(200);
  // Flash sales: upcoming; live with its one unit held by Bob (Alice then waits in line); live for Alice to win; sold out (Carol's order).
  sales.upcoming = await createSale(skus.b, 1, 60);
  sales.queued = await createSale(skus.c, 1, -1);
  await winThroughApi(sales.queued, await tokenOf('bob'));
  sales.won = await createSale(skus.d, 1, -1);
  sales.soldOut = await createSale(skus.e, 1, -1);
  const carol = await tokenOf('carol');
  await checkout(carol, { flashSaleHoldId: await winThroughApi(sales.soldOut, carol) });
  // An import with a refused line.
  const line = JSON.stringify({ title: `Imported beanie ${run}`, brand: 'Acme', category: CATEGORY, options: [], variants: [{ sku: `A11Y${run}-IMP`, price: { amount: 900, currency: 'USD' } }] });
  const started = await platform.request('POST', `/v1/shops/${shop}/admin/products/imports`, {
    token: admin,
    body: `${line}\n{"title": "half a line`,
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': randomUUID() },
  });
  expect(started.status).toBe(202);
  importId = started.body.importId;
  await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/admin/products/imports/${importId}`, { token: admin })).body.status).toBe('done'), {
    timeoutMs: 60_000,
    intervalMs: 300,
  });
  // Search has the product (search, category and home pages list it).
  await eventually(
    async () => expect((await platform.request('GET', `/v1/shops/${shop}/search?q=${encodeURIComponent(TITLE)}`)).body.hits.map((h: { productId: string }) => h.productId)).toContain(productId),
    {
      timeoutMs: WAIT,
      intervalMs: 300,
    },
  );
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  delete process.env.FLASH_SALE_ENTRIES_PER_SECOND;
});

interface AxeResults {
  violations: { id: string; impact?: string | null; help: string; helpUrl: string; nodes: { target: unknown[]; failureSummary?: string }[] }[];
}

/** Runs axe-core on the page as it is: its serious and critical violations, one readable line per element. */
async function audit(page: Page, name: string): Promise<string[]> {
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(AXE);
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as AxeResults;
  const lines = (v: AxeResults['violations'][number]) =>
    v.nodes.map((node) => `${name}: ${v.impact} ${v.id} (${v.help}) at ${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''}`);
  // Moderate and minor findings do not fail the test; they are kept for reading in test-results/.
  mkdirSync(SCREENSHOTS, { recursive: true });
  appendFileSync(
    join(SCREENSHOTS, '..', 'a11y-minor.txt'),
    results.violations
      .filter((v) => v.impact !== 'serious' && v.impact !== 'critical')
      .flatMap(lines)
      .map((line) => `${line}\n`)
      .join(''),
  );
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap(lines);
}

/** Waits until the page shows `ready` and has nothing loading (no `aria-busy`), then audits it and saves its screenshot. */
async function check(page: Page, name: string, ready: Locator, found: string[]): Promise<void> {
  await ready.first().waitFor({ state: 'visible', timeout: WAIT });
  await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: WAIT }).toBe(0);
  found.push(...(await audit(page, name)));
  await screenshot(page, `a11y-${name}`);
}

async function signIn(page: Page, who: RegExp) {
  await page.getByRole('radio', { name: who }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describeInBrowser('accessibility of every page (axe-core: no serious or critical violation)', () => {
  it('the storefront', async () => {
    const found: string[] = [];
    const { context, page, errors } = await newShopper(browser, platform.url);
    const main = page.getByRole('main');
    await page.goto('/');
    await check(page, 'storefront-home', main.getByRole('heading', { level: 1 }), found);
    // The audit can fail: a button without a name and an image without text are reported, then removed.
    await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<div id="a11y-probe"><button type="button"></button><img src="/favicon.ico"></div>'));
    expect((await audit(page, 'probe')).join('\n')).toMatch(/critical button-name[\s\S]*critical image-alt|critical image-alt[\s\S]*critical button-name/);
    await page.evaluate(() => document.getElementById('a11y-probe')!.remove());
    await page.goto(`/search?q=${encodeURIComponent(TITLE)}`);
    await check(page, 'storefront-search', main.getByRole('link', { name: new RegExp(TITLE) }), found);
    await page.goto(`/categories/${CATEGORY}`);
    await check(page, 'storefront-category', main.getByRole('link', { name: new RegExp(TITLE) }), found);
    await page.goto(`/products/${encodeURIComponent(productId)}?sku=${skus.a}`);
    await check(page, 'storefront-product', page.getByRole('button', { name: 'Add to cart' }), found);
    await page.goto(`/flash-sales/${sales.upcoming}`);
    await check(page, 'storefront-flash-sale-upcoming', page.getByRole('timer', { name: 'The sale starts in' }), found);
    await page.goto(`/flash-sales/${sales.queued}`);
    await check(page, 'storefront-flash-sale-live-guest', main.getByRole('link', { name: 'Sign in' }), found);
    await page.goto(`/flash-sales/${sales.soldOut}`);
    await check(page, 'storefront-flash-sale-sold-out', page.getByRole('heading', { name: 'Sold out' }), found);
    await page.goto('/sign-in');
    await check(page, 'storefront-sign-in', page.getByRole('button', { name: 'Sign in' }), found);

    await signIn(page, /Alice/);
    await page.goto('/cart');
    await check(page, 'storefront-cart', page.getByRole('button', { name: 'Checkout' }), found);
    await page.goto('/checkout');
    await check(page, 'storefront-checkout', main.getByText(new RegExp(TITLE)), found);
    await page.goto('/orders');
    await check(page, 'storefront-orders', main.getByRole('link', { name: orderId }), found);
    await page.goto(`/orders/${encodeURIComponent(orderId)}`);
    await check(page, 'storefront-order', main.getByText('CONFIRMED'), found);
    // The waiting room signed in: before entering, in line, won, then the hold's checkout.
    await page.goto(`/flash-sales/${sales.queued}`);
    await check(page, 'storefront-flash-sale-live', page.getByRole('button', { name: 'Enter the sale' }), found);
    await page.getByRole('button', { name: 'Enter the sale' }).click();
    await check(page, 'storefront-flash-sale-in-line', page.getByText(/You are in line/), found);
    await page.goto(`/flash-sales/${sales.won}`);
    await page.getByRole('button', { name: 'Enter the sale' }).click();
    await check(page, 'storefront-flash-sale-won', page.getByRole('button', { name: 'Checkout' }), found);
    await page.getByRole('button', { name: 'Checkout' }).click();
    await check(page, 'storefront-checkout-hold', page.getByText(new RegExp(`Held for you: ${TITLE}`)), found);

    expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('the console', async () => {
    const found: string[] = [];
    const { context, page, errors } = await newShopper(browser, platform.url);
    const main = page.getByRole('main');
    await page.goto('/admin/');
    await check(page, 'console-sign-in', page.getByRole('button', { name: 'Sign in' }), found);
    await signIn(page, /staff of demo/);
    await check(page, 'console-overview', page.getByRole('navigation', { name: 'Console' }), found);
    await page.goto(`/admin/products?q=${encodeURIComponent(TITLE)}`);
    await check(page, 'console-products', main.getByRole('link', { name: new RegExp(TITLE) }), found);
    await page.goto(`/admin/products/${encodeURIComponent(productId)}`);
    await check(page, 'console-product-editor', page.getByRole('button', { name: 'Save changes' }), found);
    await page.goto('/admin/products/new');
    await check(page, 'console-product-new', page.getByRole('button', { name: 'Create product' }), found);
    await page.goto(`/admin/products/imports/${importId}`);
    await check(page, 'console-import', page.getByRole('table', { name: 'Refused lines' }), found);
    await page.goto(`/admin/inventory/${skus.a}`);
    await check(page, 'console-inventory', page.getByRole('button', { name: 'Record adjustment' }), found);
    await page.goto('/admin/orders?status=CONFIRMED');
    await check(page, 'console-orders', main.getByRole('link', { name: orderId }), found);
    await page.goto(`/admin/orders/${encodeURIComponent(orderId)}`);
    await check(page, 'console-order', page.getByRole('button', { name: 'Record event' }), found);
    await page.goto('/admin/flash-sales');
    await check(page, 'console-flash-sales', main.getByRole('link', { name: sales.queued }), found);
    // A sale live by the clock but sold out says so (the sale's own read), the others their clock's status.
    const statusOf = (saleId: string) =>
      main
        .getByRole('row', { name: new RegExp(saleId) })
        .getByRole('cell')
        .last();
    await expect.poll(() => statusOf(sales.soldOut).textContent(), { timeout: WAIT }).toBe('sold out');
    expect(await statusOf(sales.queued).textContent()).toBe('live');
    expect(await statusOf(sales.upcoming).textContent()).toBe('upcoming');
    await page.goto(`/admin/flash-sales/${encodeURIComponent(sales.queued)}`);
    await check(page, 'console-flash-sale-dashboard', page.getByRole('heading', { name: `Flash sale ${sales.queued}` }), found);

    expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('keyboard only: a merchant signs in and restocks a SKU with Tab, arrow keys, Enter and typing', async () => {
    const before = (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${skus.a}`, { token: admin })).body.onHand as number;
    const { context, page, errors } = await newShopper(browser, platform.url);
    const focused = (target: Locator) => target.evaluate((element) => element === document.activeElement);
    /** Presses Tab until `target` has the focus (it must be reachable in the tab order). */
    const tabTo = async (target: Locator) => {
      await target.waitFor({ state: 'visible', timeout: WAIT });
      for (let presses = 0; presses < 60; presses++) {
        await page.keyboard.press('Tab');
        if (await focused(target)) return;
      }
      throw new Error(`Tab never reached ${target.toString()}`);
    };
    await page.goto('/admin/');
    // The identity picker: Tab into the radio group, arrow keys to the staff member.
    const staff = page.getByRole('radio', { name: /staff of demo/ });
    await tabTo(page.getByRole('radio', { checked: true }));
    for (let presses = 0; presses < 10 && !(await staff.isChecked()); presses++) await page.keyboard.press('ArrowDown');
    expect(await staff.isChecked()).toBe(true);
    await tabTo(page.getByRole('button', { name: 'Sign in' }));
    await page.keyboard.press('Enter');
    await tabTo(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Inventory', exact: true }));
    await page.keyboard.press('Enter');
    await tabTo(page.getByRole('textbox', { name: 'SKU' }));
    await page.keyboard.type(skus.a);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Inventory of ${skus.a}` }).waitFor({ timeout: WAIT });
    await tabTo(page.getByRole('combobox', { name: 'Reason' }));
    expect(await page.getByRole('combobox', { name: 'Reason' }).inputValue()).toBe('restock');
    await tabTo(page.getByRole('spinbutton', { name: /^Units/ }));
    await page.keyboard.type('7');
    await tabTo(page.getByRole('textbox', { name: 'Note' }));
    await page.keyboard.type('keyboard restock');
    const record = page.getByRole('button', { name: 'Record adjustment' });
    await tabTo(record);
    // The focus is visible (an outline) on the focused button.
    expect(await record.evaluate((element) => getComputedStyle(element).outlineStyle)).not.toBe('none');
    await screenshot(page, 'console-keyboard-restock');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: /./ }).first().waitFor({ timeout: WAIT });
    await expect.poll(async () => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${skus.a}`, { token: admin })).body.onHand, { timeout: WAIT }).toBe(before + 7);
    await page.getByRole('cell', { name: 'keyboard restock' }).waitFor({ timeout: WAIT });
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
