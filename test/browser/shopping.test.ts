import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { describeInBrowser, launchBrowser, newShopper, screenshot } from './support';

/**
 * The storefront's shopping journeys in headless Chromium, against a whole local platform:
 * search → product → guest cart → sign-in (cart merged) → checkout → the order's timeline;
 * 3-D Secure through the bank's page; a declined card then a retry; out of stock at checkout.
 * The catalog is made here through the admin API: one blue running shoe in size 10 that the
 * search must put first, and distractors that share some of its words.
 */
let platform: TestPlatform;
let browser: Browser;
let admin: string;
const shop = DEMO_SHOP.shopId;
const usd = (amount: number) => ({ amount, currency: 'USD' });
let shoeId: string;
let capId: string;

const PRODUCTS = [
  {
    title: 'Stridewell Trail Runner',
    description: 'Light running shoes for road and trail.',
    brand: 'Stridewell',
    category: 'running-shoes',
    rating: 4.7,
    options: [
      { name: 'color', values: ['blue', 'red'] },
      { name: 'size', values: ['9', '10', '11'] },
    ],
    variants: [
      { sku: 'SH-RUN-BLU-9', options: { color: 'blue', size: '9' }, price: usd(8_900) },
      { sku: 'SH-RUN-BLU-10', options: { color: 'blue', size: '10' }, price: usd(8_900) },
      { sku: 'SH-RUN-RED-10', options: { color: 'red', size: '10' }, price: usd(8_500) },
      { sku: 'SH-RUN-RED-11', options: { color: 'red', size: '11' }, price: usd(8_500) },
    ],
  },
  {
    title: 'Pacer Red Running Shoes',
    brand: 'Pacer',
    category: 'running-shoes',
    rating: 4.9,
    options: [
      { name: 'color', values: ['red'] },
      { name: 'size', values: ['10'] },
    ],
    variants: [{ sku: 'SH-PACER-RED-10', options: { color: 'red', size: '10' }, price: usd(7_900) }],
  },
  {
    title: 'Blue Denim Jacket',
    brand: 'Harbor',
    category: 'jackets',
    rating: 4.2,
    options: [
      { name: 'color', values: ['blue'] },
      { name: 'size', values: ['M'] },
    ],
    variants: [{ sku: 'JK-DENIM-BLU-M', options: { color: 'blue', size: 'M' }, price: usd(12_000) }],
  },
  {
    title: 'Blue Walking Shoes',
    brand: 'Harbor',
    category: 'walking-shoes',
    rating: 3.9,
    options: [
      { name: 'color', values: ['blue'] },
      { name: 'size', values: ['9'] },
    ],
    variants: [{ sku: 'SH-WALK-BLU-9', options: { color: 'blue', size: '9' }, price: usd(6_000) }],
  },
  {
    title: 'Last Pair Cap',
    brand: 'Harbor',
    category: 'hats',
    rating: 4.0,
    options: [{ name: 'color', values: ['black'] }],
    variants: [{ sku: 'CAP-LAST-BLK', options: { color: 'black' }, price: usd(2_500) }],
  },
];
const STOCK: Record<string, number> = { 'SH-RUN-BLU-10': 20, 'SH-RUN-BLU-9': 5, 'SH-RUN-RED-10': 5, 'SH-PACER-RED-10': 5, 'JK-DENIM-BLU-M': 5, 'SH-WALK-BLU-9': 5, 'CAP-LAST-BLK': 1 };

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 200 });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  for (const product of PRODUCTS) {
    const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, { token: admin, body: product });
    expect(created.status).toBe(201);
    if (product.title.includes('Trail Runner')) shoeId = created.body.id;
    if (product.title.includes('Cap')) capId = created.body.id;
  }
  for (const [sku, delta] of Object.entries(STOCK)) {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/${sku}/adjustments`, {
      token: admin,
      body: { delta, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
  }
  // Search and the product page follow the catalog and the stock through their streams.
  await eventually(async () => {
    const hits = (await platform.request('GET', `/v1/shops/${shop}/search?q=blue+running+shoes+size+10`)).body.hits;
    expect(hits[0]).toMatchObject({ productId: shoeId, sku: 'SH-RUN-BLU-10', availability: 'in_stock' });
  });
  await eventually(async () => {
    const product = (await platform.request('GET', `/v1/shops/${shop}/products/${capId}`)).body;
    expect(product.variants[0].availability).not.toBe('out_of_stock');
  });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

const tokenOf = (sub: string) => platform.token({ sub });
const cartOf = async (sub: string) => (await platform.request('GET', `/v1/shops/${shop}/cart`, { token: await tokenOf(sub) })).body;
const ordersOf = async (sub: string) => (await platform.request('GET', `/v1/shops/${shop}/orders`, { token: await tokenOf(sub) })).body.items as { orderId: string; status: string }[];
const stockOf = async (sku: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;
const visible = (page: Page, locator: ReturnType<Page['getByRole']>) => expect.poll(() => locator.isVisible(), { timeout: 15_000 }).toBe(true);

async function signIn(page: Page, who: RegExp): Promise<void> {
  await page
    .getByRole('main')
    .getByRole('link', { name: 'Sign in' })
    .or(page.getByRole('banner').getByRole('link', { name: 'Sign in' }))
    .first()
    .click();
  await page.getByRole('radio', { name: who }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await visible(page, page.getByRole('button', { name: 'Sign out' }));
}

async function fillCheckout(page: Page, card: 'pm_card_visa' | 'pm_card_authenticationRequired' | 'pm_card_chargeDeclined'): Promise<void> {
  await visible(page, page.getByRole('heading', { name: 'Checkout' }));
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address', { exact: true }).fill('1 Analytical St');
  await page.getByLabel('City').fill('London');
  await page.getByLabel('Postal code').fill('N1 1AA');
  await page.getByLabel('Country code').fill('GB');
  await page.getByRole('radio', { name: new RegExp(card) }).check();
}

async function addShoeToCart(page: Page, quantity = 1): Promise<void> {
  await page.goto(`/products/${shoeId}?sku=SH-RUN-BLU-10`);
  await visible(page, page.getByRole('heading', { name: 'Stridewell Trail Runner' }));
  expect(await page.getByRole('radio', { name: 'blue', exact: true }).isChecked()).toBe(true);
  expect(await page.getByRole('radio', { name: '10', exact: true }).isChecked()).toBe(true);
  if (quantity !== 1) await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await visible(page, page.getByRole('status').filter({ hasText: 'Added' }));
}

/** The guest cart the storefront keeps in the browser's localStorage. */
const guestCartIn = async (context: BrowserContext) =>
  (await context.storageState()).origins.flatMap((origin) => origin.localStorage).find((entry) => entry.name === `commerce.guest-cart.${shop}`)?.value;

/** The order page's status once it reads `status` (it polls the order while open). */
const statusShown = (page: Page, status: string) => expect.poll(() => page.locator('.order-status strong').textContent(), { timeout: 20_000 }).toBe(status);

describeInBrowser('shopping in the storefront', () => {
  it('a guest searches, adds to the cart, signs in (the cart is merged), pays by card, and watches the order reach CONFIRMED then PICKED', async () => {
    // Alice already has something in her account cart: the guest cart joins it.
    expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/JK-DENIM-BLU-M`, { token: await tokenOf('alice'), body: { quantity: 1 } })).status).toBe(200);
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await visible(page, page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: /running-shoes/ }));
    await screenshot(page, 'storefront-home');

    // A facet narrows the results through the API.
    const results = page.getByRole('list', { name: 'Search results' });
    await page.getByRole('searchbox', { name: 'Search' }).fill('shoes');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await expect.poll(() => results.getByRole('link').allTextContents(), { timeout: 15_000 }).toContain('Blue Walking Shoes');
    await page
      .getByRole('group', { name: 'Category' })
      .getByRole('checkbox', { name: /walking-shoes/ })
      .check();
    await expect.poll(() => results.getByRole('link').allTextContents()).toEqual(['Blue Walking Shoes']);
    expect(new URL(page.url()).searchParams.get('category')).toBe('walking-shoes');

    await page.getByRole('searchbox', { name: 'Search' }).fill('blue running shoes size 10');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await visible(page, page.getByRole('heading', { name: 'Results for “blue running shoes size 10”' }));
    // The API's order is kept: its first hit is the first result.
    const api = (await platform.request('GET', `/v1/shops/${shop}/search?q=blue+running+shoes+size+10&page=1&pageSize=24&sort=relevance`)).body;
    await expect.poll(() => results.getByRole('link').allTextContents()).toEqual(api.hits.map((h: { title: string }) => h.title));
    expect(api.hits.length).toBeGreaterThan(1);
    expect(await results.getByRole('link').first().textContent()).toBe('Stridewell Trail Runner');
    await visible(page, page.getByRole('group', { name: 'Color' }));
    await screenshot(page, 'storefront-search');

    await results.getByRole('link', { name: 'Stridewell Trail Runner' }).click();
    await visible(page, page.getByRole('heading', { name: 'Stridewell Trail Runner' }));
    expect(await page.getByRole('radio', { name: 'blue', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: '10', exact: true }).isChecked()).toBe(true);
    expect(await page.locator('.chosen').textContent()).toContain('$89.00');
    expect(await page.getByRole('table').textContent()).toContain('In stock');
    await screenshot(page, 'storefront-product');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await visible(page, page.getByRole('status').filter({ hasText: 'Added 1' }));
    expect(await guestCartIn(context)).toContain('SH-RUN-BLU-10');

    await page.getByRole('link', { name: /^Cart, 1 item/ }).click();
    await visible(page, page.getByRole('heading', { name: 'Your cart' }));
    expect(await page.getByRole('spinbutton', { name: /Quantity of Stridewell Trail Runner/ }).inputValue()).toBe('1');
    await screenshot(page, 'storefront-cart-guest');
    await page.getByRole('button', { name: 'Checkout' }).click();
    await visible(page, page.getByText('Sign in to check out'));
    await signIn(page, /Alice/);

    // Back on the checkout page, signed in: the account cart has both lines, and the local copy is gone.
    await visible(page, page.getByRole('button', { name: 'Place order' }));
    const merged = await cartOf('alice');
    expect(merged.items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity]).sort()).toEqual([
      ['JK-DENIM-BLU-M', 1],
      ['SH-RUN-BLU-10', 1],
    ]);
    expect(await guestCartIn(context)).toBeUndefined();
    await visible(page, page.getByText('Total $209.00'));
    await fillCheckout(page, 'pm_card_visa');
    expect(await page.getByLabel('Email').inputValue()).toBe('alice@example.com');
    await screenshot(page, 'storefront-checkout');
    await page.getByRole('button', { name: 'Place order' }).click();

    await visible(page, page.getByText('Thank you! Your order is placed.'));
    await statusShown(page, 'CONFIRMED');
    await statusShown(page, 'PICKED');
    expect(await page.getByRole('list', { name: 'Order timeline' }).getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^PENDING/),
      expect.stringMatching(/^CONFIRMED/),
      expect.stringMatching(/^PICKED/),
    ]);
    await screenshot(page, 'storefront-order');
    const [order] = await ordersOf('alice');
    expect(order?.status).toBe('PICKED');
    expect(page.url()).toContain(`/orders/${order!.orderId}`);
    expect((await cartOf('alice')).items).toEqual([]);
    expect(await page.getByRole('link', { name: /^Cart, 0 items/ }).isVisible()).toBe(true);

    // Shipped by the warehouse: the open page shows the carrier and the tracking number.
    const shipped = await platform.request('POST', `/v1/shops/${shop}/admin/orders/${order!.orderId}/events`, {
      token: admin,
      body: { type: 'SHIPPED', carrier: 'ups', trackingNumber: `1Z${order!.orderId.slice(-10)}` },
    });
    expect(shipped.status).toBe(200);
    await statusShown(page, 'SHIPPED');
    expect(await page.getByRole('list', { name: 'Order timeline' }).textContent()).toContain(`UPS tracking number 1Z${order!.orderId.slice(-10)}`);

    await page.getByRole('link', { name: 'My orders', exact: true }).click();
    await visible(page, page.getByRole('link', { name: order!.orderId }));
    await screenshot(page, 'storefront-orders');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a 3-D Secure card: the bank page, then back to the order, which ends CONFIRMED', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Bob/);
    await addShoeToCart(page);
    await page.goto('/cart');
    await page.getByRole('button', { name: 'Checkout' }).click();
    await fillCheckout(page, 'pm_card_authenticationRequired');
    await page.getByRole('button', { name: 'Place order' }).click();

    await visible(page, page.getByRole('heading', { name: 'Confirm the payment' }));
    const [pending] = await ordersOf('bob');
    expect(pending?.status).toBe('PENDING');
    expect((await stockOf('SH-RUN-BLU-10')).reserved).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'storefront-3ds-required');
    await page.getByRole('link', { name: 'Confirm with your bank' }).click();
    await visible(page, page.getByRole('button', { name: 'Complete authentication' }));
    await screenshot(page, 'stripe-3ds-page');
    await page.getByRole('button', { name: 'Complete authentication' }).click();

    await expect.poll(() => new URL(page.url()).pathname).toBe(`/orders/${pending!.orderId}`);
    await statusShown(page, 'CONFIRMED');
    await screenshot(page, 'storefront-order-3ds-confirmed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('3-D Secure refused at the bank: back to the order, which is cancelled, and the stock released', async () => {
    const before = await stockOf('SH-RUN-BLU-10');
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Bob/);
    await addShoeToCart(page);
    await page.goto('/checkout');
    await fillCheckout(page, 'pm_card_authenticationRequired');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('link', { name: 'Confirm with your bank' }).click();
    await page.getByRole('button', { name: 'Fail authentication' }).click();
    await visible(page, page.getByRole('alert').filter({ hasText: 'Your bank did not confirm the payment' }));
    await statusShown(page, 'CANCELLED');
    await eventually(async () => expect(await stockOf('SH-RUN-BLU-10')).toMatchObject({ available: before.available, reserved: before.reserved }));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a declined card: a clear message, no order, no stock held; the retry with another card is placed', async () => {
    const before = await stockOf('SH-RUN-BLU-10');
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Carol/);
    await addShoeToCart(page, 2);
    await page.goto('/checkout');
    await fillCheckout(page, 'pm_card_chargeDeclined');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByRole('alert').filter({ hasText: 'Your card was declined' }));
    await screenshot(page, 'storefront-checkout-declined');
    expect(await ordersOf('carol')).toEqual([]);
    expect(await stockOf('SH-RUN-BLU-10')).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });
    expect((await cartOf('carol')).items).toMatchObject([{ sku: 'SH-RUN-BLU-10', quantity: 2 }]);

    await page.getByRole('radio', { name: /pm_card_visa/ }).check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByText('Thank you! Your order is placed.'));
    await statusShown(page, 'CONFIRMED');
    const orders = await ordersOf('carol');
    expect(orders).toHaveLength(1);
    expect(await stockOf('SH-RUN-BLU-10')).toMatchObject({ available: before.available - 2, sold: before.sold + 2 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says which item is out of stock at checkout, and places nothing', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Alice/);
    await page.goto(`/products/${capId}`);
    await visible(page, page.getByRole('heading', { name: 'Last Pair Cap' }));
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await visible(page, page.getByRole('status').filter({ hasText: 'Added 2' }));
    const ordersBefore = (await ordersOf('alice')).length;
    await page.goto('/checkout');
    await fillCheckout(page, 'pm_card_visa');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByRole('alert').filter({ hasText: 'Sorry, out of stock: Last Pair Cap' }));
    await screenshot(page, 'storefront-checkout-out-of-stock');
    expect(await ordersOf('alice')).toHaveLength(ordersBefore);
    expect(await stockOf('CAP-LAST-BLK')).toMatchObject({ available: 1, reserved: 0 });

    // Lower the quantity in the cart, and the order goes through.
    await page.goto('/cart');
    // The header and the page both read the cart on load: a later answer re-renders the field, so type once both are in.
    await page.waitForLoadState('networkidle');
    await page.getByRole('spinbutton', { name: 'Quantity of Last Pair Cap' }).fill('1');
    await page.getByRole('spinbutton', { name: 'Quantity of Last Pair Cap' }).press('Tab');
    await expect.poll(async () => (await cartOf('alice')).items[0]?.quantity, { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Checkout' }).click();
    await fillCheckout(page, 'pm_card_visa');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByText('Thank you! Your order is placed.'));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a lost answer: "Place order" again retries the same attempt with the same Idempotency-Key, and makes one order', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Bob/);
    await addShoeToCart(page);
    const before = (await ordersOf('bob')).length;
    const keys: string[] = [];
    // The first answer is lost on the way back (the order is placed); the retry gets its replay.
    await page.route('**/v1/shops/demo/checkout', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      const response = await route.fetch();
      if (keys.length === 1) await route.abort('connectionreset');
      else await route.fulfill({ response });
    });
    await page.goto('/checkout');
    await fillCheckout(page, 'pm_card_visa');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByRole('alert').filter({ hasText: 'the same attempt is retried' }));
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByText('Thank you! Your order is placed.'));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await ordersOf('bob')).toHaveLength(before + 1);

    // A new attempt (after a definite answer) gets a new key.
    await addShoeToCart(page);
    await page.goto('/checkout');
    await fillCheckout(page, 'pm_card_visa');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByText('Thank you! Your order is placed.'));
    expect(keys).toHaveLength(3);
    expect(keys[2]).not.toBe(keys[0]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('checks out a flash-sale hold with its countdown, leaving the cart alone; an expired hold is said so', async () => {
    const now = Date.now();
    const sale = await platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, {
      token: admin,
      body: { sku: 'SH-RUN-RED-10', units: 2, startsAt: new Date(now - 1_000).toISOString(), endsAt: new Date(now + 600_000).toISOString(), perCustomerLimit: 1, holdSeconds: 300 },
    });
    expect(sale.status).toBe(201);
    const carol = await tokenOf('carol');
    const entry = await platform.request('POST', `/v1/shops/${shop}/flash-sales/${sale.body.saleId}/entries`, { token: carol });
    expect(entry.status).toBe(202);
    const ticket = await eventually(async () => {
      const res = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.body.saleId}/entries/${entry.body.ticket}`, { token: carol });
      expect(res.body.status).toBe('won');
      return res.body as { holdId: string; holdExpiresAt: string };
    });
    expect((await platform.request('PUT', `/v1/shops/${shop}/cart/items/SH-WALK-BLU-9`, { token: carol, body: { quantity: 1 } })).status).toBe(200);

    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await signIn(page, /Carol/);
    const query = new URLSearchParams({ flashSaleHoldId: ticket.holdId, holdExpiresAt: ticket.holdExpiresAt, saleId: sale.body.saleId });
    await page.goto(`/checkout?${query.toString()}`);
    await visible(page, page.getByText(/Held for you: .*SH-RUN-RED-10/));
    await expect.poll(() => page.getByRole('timer').textContent()).toMatch(/^Your hold expires in [45]:\d\d$/);
    const first = await page.getByRole('timer').textContent();
    await expect.poll(() => page.getByRole('timer').textContent(), { timeout: 5_000 }).not.toBe(first);
    await fillCheckout(page, 'pm_card_visa');
    await screenshot(page, 'storefront-checkout-hold');
    await page.getByRole('button', { name: 'Place order' }).click();
    await visible(page, page.getByText('Thank you! Your order is placed.'));
    await statusShown(page, 'CONFIRMED');
    const placed = (await platform.request('GET', `/v1/shops/${shop}/orders/${new URL(page.url()).pathname.split('/').pop()}`, { token: carol })).body;
    expect(placed.items).toEqual([expect.objectContaining({ sku: 'SH-RUN-RED-10', quantity: 1 })]);
    expect((await cartOf('carol')).items).toMatchObject([{ sku: 'SH-WALK-BLU-9', quantity: 1 }]);

    // The same page with a hold whose time is up: said plainly, and nothing to press.
    query.set('holdExpiresAt', new Date(Date.now() - 1_000).toISOString());
    await page.goto(`/checkout?${query.toString()}`);
    await visible(page, page.getByRole('alert').filter({ hasText: 'Your hold expired' }));
    expect(await page.getByRole('button', { name: 'Place order' }).isDisabled()).toBe(true);
    await screenshot(page, 'storefront-checkout-hold-expired');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lists a category, best rated first', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: /running-shoes/ })
      .click();
    await visible(page, page.getByRole('heading', { name: 'running-shoes' }));
    await expect.poll(() => page.getByRole('list', { name: 'Products in running-shoes' }).getByRole('link').allTextContents()).toEqual(['Pacer Red Running Shoes', 'Stridewell Trail Runner']);
    await screenshot(page, 'storefront-category');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works from the keyboard: search, open a product, pick a variant and add it without a mouse', async () => {
    const { context, page, errors } = await newShopper(browser, platform.url);
    await page.goto('/');
    await visible(page, page.getByRole('searchbox', { name: 'Search' }));
    const focused = () => page.locator(':focus');
    const tabTo = async (name: RegExp) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        if ((await focused().count()) === 0) continue; // past the last control: the next Tab starts over
        const text = `${(await focused().getAttribute('aria-label')) ?? ''} ${(await focused().textContent()) ?? ''} ${(await focused().getAttribute('value')) ?? ''}`;
        if (name.test(text)) return;
      }
      throw new Error(`Tab never reached ${name}`);
    };
    await tabTo(/Search/);
    await page.keyboard.type('blue running shoes size 10');
    await page.keyboard.press('Enter');
    await visible(page, page.getByRole('list', { name: 'Search results' }));
    await tabTo(/Stridewell Trail Runner/);
    await page.keyboard.press('Enter');
    await visible(page, page.getByRole('heading', { name: 'Stridewell Trail Runner' }));
    // Arrow keys move within a radio group: from blue (checked) to red.
    await tabTo(/^\s*blue$/);
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'red', exact: true }).isChecked()).toBe(true);
    await tabTo(/Add to cart/);
    await page.keyboard.press('Enter');
    await visible(page, page.getByRole('status').filter({ hasText: 'Added 1 × Stridewell Trail Runner - red / 10' }));
    // The guest cart's line is removed from the keyboard too.
    await tabTo(/View your cart/);
    await page.keyboard.press('Enter');
    await visible(page, page.getByRole('heading', { name: 'Your cart' }));
    await visible(page, page.getByText('Subtotal'));
    expect(await page.getByRole('row').filter({ hasText: 'Subtotal' }).textContent()).toContain('$85.00');
    await tabTo(/Remove Stridewell Trail Runner - red \/ 10/);
    await page.keyboard.press('Enter');
    await visible(page, page.getByText('Your cart is empty.'));
    expect(await guestCartIn(context)).toBeUndefined();
    expect(errors).toEqual([]);
    await context.close();
  });
});
