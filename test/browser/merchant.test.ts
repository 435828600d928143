import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { describeInBrowser, launchBrowser, newShopper, screenshot } from './support';

/**
 * Journey 5, the merchant console in the browser against the real local platform: a member of
 * staff signs in, creates a product with variants, restocks one SKU and sees the ledger entry,
 * ships an order a customer placed (after the simulated warehouse picked it), with the API's
 * refusal of an illegal transition shown on the way; and a bulk import with a bad line shows its
 * progress and the refused line.
 */
let platform: TestPlatform;
let browser: Browser;
const shop = DEMO_SHOP.shopId;
const run = randomUUID().slice(0, 6).toUpperCase();
const SKU = (color: string, size: string) => `MJ${run}-${color}-${size}`;
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const SLOW = { timeout: 20_000, interval: 200 };

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 200 });
  await seedDemoShop({ log: () => undefined });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

async function signInAsStaff(page: Page): Promise<void> {
  await page.goto('/admin/');
  await page.getByRole('radio', { name: /staff of demo/ }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('navigation', { name: 'Console' }).isVisible()).toBe(true);
}

const consoleLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true });

/** A customer's order of `quantity` × `sku`, placed through the API with the test card that succeeds. */
async function placeOrder(sku: string, quantity: number): Promise<string> {
  const customer = await platform.token({ sub: `shopper-${run.toLowerCase()}` });
  const cart = await platform.request('PUT', `/v1/shops/${shop}/cart/items/${sku}`, { token: customer, body: { quantity } });
  expect(cart.status).toBe(200);
  const placed = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
    token: customer,
    headers: { 'idempotency-key': randomUUID() },
    body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ada@example.com' },
  });
  expect(placed.status).toBe(201);
  const orderId = placed.body.orderId as string;
  // The simulated warehouse picks it (200 ms after the confirmation reaches it).
  await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/orders/${orderId}`, { token: customer })).body.status).toBe('PICKED'), { timeoutMs: 30_000, intervalMs: 200 });
  return orderId;
}

describeInBrowser('journey 5: the merchant console', () => {
  it('creates a product with variants, restocks a SKU and sees the ledger, ships a picked order', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await signInAsStaff(page);
    await expect.poll(() => page.getByRole('heading', { name: 'Recent orders to pick' }).isVisible()).toBe(true);

    // A product with two options: one SKU per combination, each with its price.
    await consoleLink(page, 'Products').click();
    await page.getByRole('link', { name: 'New product' }).first().click();
    await expect.poll(() => page.getByRole('heading', { name: 'New product' }).isVisible()).toBe(true);
    const title = `Journey Tee ${run}`;
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page.getByLabel('Brand', { exact: true }).fill('Acme');
    await page.getByLabel('Category', { exact: true }).fill('tees');
    await page.getByLabel('Option 1 name').fill('color');
    await page.getByLabel('Option 1 values').fill('red, blue');
    await page.getByRole('button', { name: 'Add an option' }).click();
    await page.getByLabel('Option 2 name').fill('size');
    await page.getByLabel('Option 2 values').fill('S, M');
    for (const color of ['red', 'blue'])
      for (const size of ['S', 'M']) {
        await page.getByLabel(`SKU of ${color} / ${size}`).fill(SKU(color.toUpperCase(), size));
        await page.getByLabel(`Price of ${color} / ${size}`).fill(size === 'S' ? '19.99' : '21.50');
      }
    // A variant without a SKU is refused before anything is sent.
    await page.getByLabel('SKU of blue / M').fill('');
    await page.getByRole('button', { name: 'Create product' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Give blue / M a SKU');
    await page.getByLabel('SKU of blue / M').fill(SKU('BLUE', 'M'));
    await screenshot(page, 'console-product-new');
    await page.getByRole('button', { name: 'Create product' }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Edit ${title}` }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Saved');
    expect(await page.getByLabel('SKU of red / M').inputValue()).toBe(SKU('RED', 'M'));
    expect(await page.getByLabel('Price of blue / M').inputValue()).toBe('21.50');
    const productId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
    const created = await platform.request('GET', `/v1/shops/${shop}/products/${productId}`);
    expect(created.body.variants.map((v: { sku: string; price: { amount: number } }) => [v.sku, v.price.amount]).sort()).toEqual(
      [
        [SKU('BLUE', 'M'), 2150],
        [SKU('BLUE', 'S'), 1999],
        [SKU('RED', 'M'), 2150],
        [SKU('RED', 'S'), 1999],
      ].sort(),
    );
    await screenshot(page, 'console-product-edit');

    // Restock one SKU, see the counters and the ledger entry.
    const sku = SKU('RED', 'M');
    await consoleLink(page, 'Inventory').click();
    await page.getByLabel('SKU', { exact: true }).fill(sku);
    await page.getByRole('button', { name: 'Show stock' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Counters' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('[data-counter="onHand"]').textContent()).toBe('0');
    await page.getByLabel('Reason', { exact: true }).selectOption('restock');
    await page.getByLabel(/^Units/).fill('25');
    await page.getByLabel('Note', { exact: true }).fill('first delivery');
    await page.getByRole('button', { name: 'Record adjustment' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), SLOW).toContain('Recorded: +25 (restock)');
    await expect.poll(() => page.locator('[data-counter="available"]').textContent()).toBe('25');
    const ledgerRow = page.getByRole('region', { name: 'Ledger' }).getByRole('row').filter({ hasText: 'first delivery' });
    await expect.poll(() => ledgerRow.count(), SLOW).toBe(1);
    expect(await ledgerRow.textContent()).toMatch(/restock.*\+25.*\+25/);
    // A removal below what is available is the API's to refuse, and the console says why.
    await page.getByLabel('Reason', { exact: true }).selectOption('shrinkage');
    await page.getByLabel(/^Units/).fill('40');
    await page.getByRole('button', { name: 'Record adjustment' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), SLOW).toContain('The adjustment was refused');
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: await staffToken() })).body).toMatchObject({ onHand: 25, available: 25 });
    await screenshot(page, 'console-inventory');

    // A customer's order, picked by the warehouse, shipped from the console.
    const orderId = await placeOrder(sku, 2);
    await consoleLink(page, 'Orders').click();
    await page.getByRole('navigation', { name: 'Order status' }).getByRole('link', { name: 'Picked' }).click();
    await expect.poll(() => page.getByRole('link', { name: orderId }).isVisible(), SLOW).toBe(true);
    await screenshot(page, 'console-orders');
    await page.getByRole('link', { name: orderId }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Order ${orderId}` }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => page.locator('[data-status]').getAttribute('data-status')).toBe('PICKED');
    // An illegal transition: the API refuses it and the page shows the refusal.
    await page.getByLabel('Event', { exact: true }).selectOption('DELIVERED');
    await page.getByRole('button', { name: 'Record event' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), SLOW).toContain('invalid_transition');
    const tracking = `1Z${run}${Date.now().toString().slice(-6)}`;
    await page.getByLabel('Event', { exact: true }).selectOption('SHIPPED');
    await page.getByLabel('Carrier', { exact: true }).fill('UPS');
    await page.getByLabel('Tracking number', { exact: true }).fill(tracking);
    await page.getByRole('button', { name: 'Record event' }).click();
    await expect.poll(() => page.locator('[data-status]').getAttribute('data-status'), SLOW).toBe('SHIPPED');
    const shipped = page.getByRole('list', { name: 'Order events' }).getByRole('listitem').filter({ hasText: 'SHIPPED' });
    await expect.poll(() => shipped.textContent()).toContain(`tracking: ${tracking}`);
    expect(await shipped.textContent()).toContain('carrier: ups'); // the API keeps carriers in lower case;
    expect(await page.getByRole('list', { name: 'Order events' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^PENDING/),
      expect.stringMatching(/^CONFIRMED/),
      expect.stringMatching(/^PICKED/),
      expect.stringMatching(/^SHIPPED/),
    ]);
    const staff = await staffToken();
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/orders/${orderId}`, { token: staff })).body).toMatchObject({ status: 'SHIPPED', payment: { status: 'captured' } });
    await screenshot(page, 'console-order');

    // The product list (from search, once the index has the product).
    await consoleLink(page, 'Products').click();
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByRole('link', { name: title }).isVisible();
      }, SLOW)
      .toBe(true);
    await screenshot(page, 'console-products');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('runs a bulk import with a bad line, showing its progress and the refused line', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await signInAsStaff(page);
    await consoleLink(page, 'Import').click();
    const product = (sku: string, title: string) =>
      JSON.stringify({ title, brand: 'Acme', category: 'caps', options: [], variants: [{ sku, price: { amount: 1_500, currency: 'USD' } }], initialStock: { [sku]: 4 } });
    const file = [product(`IMPJ${run}-1`, `Imported cap ${run} one`), '{"title": "half a line', product(`IMPJ${run}-2`, `Imported cap ${run} two`)].join('\n');
    await page.getByLabel('Products (one JSON object per line)').fill(file);
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect.poll(() => new URL(page.url()).pathname, SLOW).toMatch(/^\/admin\/products\/imports\/imp_/);
    await expect.poll(() => page.getByRole('progressbar', { name: 'Import progress' }).isVisible(), SLOW).toBe(true);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 60_000, interval: 300 }).toMatch(/^Done: 3 of 3 lines \(2 created, 0 updated, 1 refused\)/);
    const refused = page.getByRole('table', { name: 'Refused lines' }).getByRole('row');
    expect(await refused.allTextContents()).toEqual([expect.stringContaining('Line'), expect.stringMatching(/^2malformed_json/)]);
    await screenshot(page, 'console-import');
    const importId = new URL(page.url()).pathname.split('/').at(-1)!;
    const status = await platform.request('GET', `/v1/shops/${shop}/admin/products/imports/${importId}`, { token: await staffToken() });
    expect(status.body).toMatchObject({ status: 'done', total: 3, created: 2, failed: 1, errors: [{ line: 2, code: 'malformed_json' }] });
    expect((await platform.request('GET', `/v1/shops/${shop}/admin/inventory/IMPJ${run}-2`, { token: await staffToken() })).body).toMatchObject({ onHand: 4 });

    // The overview: the imported caps (4 units, under the low-stock threshold of 5) are listed as low, once search has them.
    await consoleLink(page, 'Overview').click();
    const lowStock = page.getByRole('region', { name: 'Low or out of stock' });
    await expect
      .poll(async () => {
        await page.reload();
        return lowStock.getByRole('link', { name: `Imported cap ${run} two` }).isVisible();
      }, SLOW)
      .toBe(true);
    expect(
      await lowStock
        .getByRole('listitem')
        .filter({ hasText: `Imported cap ${run} two` })
        .textContent(),
    ).toContain('low stock');
    await expect.poll(() => page.getByRole('region', { name: 'Picked, to ship' }).textContent()).toContain('No picked orders.');
    await screenshot(page, 'console-overview');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});

function staffToken(): Promise<string> {
  return platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
}
