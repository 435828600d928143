import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { stockDropProduct } from '../support/drop-product';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { describeInBrowser, launchBrowser, newShopper, screenshot } from './support';

/**
 * Journey 4 (issue 14): a flash sale from the console to an order. The merchant creates the sale
 * in the console (a refused attempt first: the API's errors under their fields), the customer
 * opens the waiting room, signs in from it, enters, sees the ticket and the win arrive over the
 * ticket's server-sent events, keeps the ticket across a reload, presses "Checkout", places the
 * order on the hold on the storefront's checkout page ("Place order", pm_card_visa) and finds it
 * in "My orders". A second customer, in line behind the one unit, sees the loss arrive live; a
 * visitor sees the sold-out page; the dashboard shows won, lost and orders live, then the final
 * report once the sale is closed.
 */
let platform: TestPlatform;
let browser: Browser;
let admin: string;
const shop = DEMO_SHOP.shopId;
const SKU = 'FSB-SNEAKER-A';
const WAIT = 20_000;
const address = { name: 'Alice Buyer', line1: '1 Drop St', city: 'Austin', postalCode: '73301', country: 'US' };

beforeAll(async () => {
  process.env.FLASH_SALE_ENTRIES_PER_SECOND = '1000000';
  platform = await startTestPlatform({ warehousePickDelayMs: 600_000 });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  await stockDropProduct(platform, admin, { title: 'Waiting Room Sneaker', category: 'sneakers', skuPrefix: 'FSB-SNEAKER', amount: 12_500, units: { a: 5, b: 5, c: 5 } });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  delete process.env.FLASH_SALE_ENTRIES_PER_SECOND;
});

const visible = (locator: Locator) => locator.waitFor({ state: 'visible', timeout: WAIT });
/** The value cell of a dashboard figure (a row headed by `name`). */
const figure = (page: Page, name: string) => page.locator('tr', { has: page.getByRole('rowheader', { name, exact: true }) }).locator('td');
/** `datetime-local` input value, in the browser's zone (the container's, as Chromium's). */
const localInput = (ms: number) => {
  const date = new Date(ms);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

async function signIn(page: Page, who: RegExp) {
  await page.getByRole('radio', { name: who }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describeInBrowser('journey 4: a flash sale from the console to an order', () => {
  it('a merchant creates a sale, a customer wins it live and checks out the hold, the next one loses, the dashboard follows', async () => {
    // The merchant, in the console.
    const merchant = await newShopper(browser, platform.url);
    const console = merchant.page;
    await console.goto('/admin/');
    await signIn(console, /staff of demo/);
    await console.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Flash sales' }).click();
    await visible(console.getByRole('heading', { name: 'Create a flash sale' }));
    await visible(console.getByText('No flash sale yet'));
    // Refused: the API's field errors, each under its field, and nothing created.
    await console.getByLabel('SKU').fill(SKU);
    await console.getByLabel('Units').fill('0');
    await console.getByLabel('Hold (seconds)').fill('1');
    await console.getByRole('button', { name: 'Create the sale' }).click();
    await visible(console.locator('#sale-units-error'));
    expect(await console.getByLabel('Units').getAttribute('aria-invalid')).toBe('true');
    expect(await console.locator('#sale-holdSeconds-error').textContent()).toMatch(/Hold \(seconds\):/);
    expect(await console.locator('#sale-sku-error').count()).toBe(0);
    await screenshot(console, 'console-flash-sale-create-errors');
    // Accepted: live from a minute ago for half an hour, one unit, one per customer.
    const now = Date.now();
    await console.getByLabel('Units').fill('1');
    await console.getByLabel('Starts at').fill(localInput(now - 60_000));
    await console.getByLabel('Ends at').fill(localInput(now + 30 * 60_000));
    await console.getByLabel('Per-customer limit').fill('1');
    await console.getByLabel('Hold (seconds)').fill('300');
    await console.getByLabel('Expected entries (optional)').fill('50');
    await console.getByRole('button', { name: 'Create the sale' }).click();
    await console.waitForURL(/\/admin\/flash-sales\/[^/]+$/, { timeout: WAIT });
    const saleId = decodeURIComponent(new URL(console.url()).pathname.split('/').pop()!);
    await visible(console.getByRole('heading', { name: `Flash sale ${saleId}` }));
    await expect.poll(() => figure(console, 'Units in the gate').textContent(), { timeout: WAIT }).toBe('1');
    // The list links to it.
    await console.getByRole('link', { name: 'All flash sales' }).click();
    await visible(console.getByRole('link', { name: saleId }));
    await screenshot(console, 'console-flash-sales');
    await console.getByRole('link', { name: saleId }).click();
    await visible(console.getByRole('heading', { name: `Flash sale ${saleId}` }));

    // Alice opens the waiting room as a guest, signs in from it and comes back.
    const alice = await newShopper(browser, platform.url);
    const streams: string[] = [];
    const polls: string[] = [];
    alice.page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith('/events')) streams.push(path);
      else if (/\/entries\/\d+$/.test(path)) polls.push(path);
    });
    await alice.page.goto(`/flash-sales/${saleId}`);
    await visible(alice.page.getByRole('heading', { level: 1, name: /Waiting Room Sneaker/ }));
    expect(await alice.page.getByRole('main').textContent()).toContain('$125.00');
    await screenshot(alice.page, 'storefront-flash-sale-live');
    await alice.page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await signIn(alice.page, /Alice/);
    await alice.page.waitForURL(`**/flash-sales/${saleId}`, { timeout: WAIT });
    await alice.page.getByRole('button', { name: 'Enter the sale' }).click();
    await visible(alice.page.getByRole('heading', { name: 'Your ticket #1' }));
    // The win arrives over the ticket's server-sent events: no polling.
    await visible(alice.page.getByText(/You won 1 unit/));
    await visible(alice.page.getByRole('timer', { name: /Check out before your hold expires/ }));
    expect(streams.length).toBeGreaterThan(0);
    expect(polls).toEqual([]);
    await screenshot(alice.page, 'storefront-flash-sale-won');

    // Bob enters behind her: the only unit is held, so he waits in line.
    const bob = await newShopper(browser, platform.url);
    await bob.page.goto(`/sign-in?returnTo=${encodeURIComponent(`/flash-sales/${saleId}`)}`);
    await signIn(bob.page, /Bob/);
    await bob.page.getByRole('button', { name: 'Enter the sale' }).click();
    await visible(bob.page.getByRole('heading', { name: 'Your ticket #2' }));
    await visible(bob.page.getByText(/You are in line/));
    await screenshot(bob.page, 'storefront-flash-sale-in-line');
    await expect.poll(() => figure(console, 'Waiting').textContent(), { timeout: WAIT }).toBe('1');

    // A reload resumes Alice's ticket from localStorage (no second entry).
    await alice.page.reload();
    await visible(alice.page.getByText(/You won 1 unit/));
    // On to checkout with the hold: the storefront's checkout page takes it from the URL.
    await alice.page.getByRole('button', { name: 'Checkout' }).click();
    await alice.page.waitForURL('**/checkout?**', { timeout: WAIT });
    const checkoutUrl = new URL(alice.page.url());
    const holdId = checkoutUrl.searchParams.get('flashSaleHoldId');
    expect(holdId).toEqual(expect.any(String));
    expect(checkoutUrl.searchParams.get('saleId')).toBe(saleId);
    expect(Date.parse(checkoutUrl.searchParams.get('holdExpiresAt')!)).toBeGreaterThan(Date.now());
    // The checkout page shows the held item (title, options, price) and its countdown; Alice places the order there.
    await visible(alice.page.getByText(/Held for you: Waiting Room Sneaker.*\(SKU FSB-SNEAKER-A\)/));
    expect(await alice.page.locator('.held-item').textContent()).toContain('$125.00');
    await visible(alice.page.getByRole('timer'));
    await alice.page.getByLabel('Email').fill('alice@example.com');
    await alice.page.getByLabel('Full name').fill(address.name);
    await alice.page.getByLabel('Address', { exact: true }).fill(address.line1);
    await alice.page.getByLabel('City').fill(address.city);
    await alice.page.getByLabel('Postal code').fill(address.postalCode);
    await alice.page.getByLabel('Country code').fill(address.country);
    await alice.page.getByRole('radio', { name: /pm_card_visa/ }).check();
    await screenshot(alice.page, 'storefront-flash-sale-checkout');
    await alice.page.getByRole('button', { name: 'Place order' }).click();
    await alice.page.waitForURL('**/orders/**', { timeout: WAIT });
    const orderId = decodeURIComponent(new URL(alice.page.url()).pathname.split('/').pop()!);
    await visible(alice.page.getByText('Thank you! Your order is placed.'));
    // The order is hers, for the held unit, and "My orders" lists it.
    const aliceToken = await platform.token({ sub: 'alice', email: 'alice@example.com' });
    const order = await platform.request('GET', `/v1/shops/${shop}/orders/${encodeURIComponent(orderId)}`, { token: aliceToken });
    expect(order.status).toBe(200);
    expect(order.body.items).toEqual([expect.objectContaining({ sku: SKU, quantity: 1 })]);
    await alice.page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'My orders' }).click();
    await visible(alice.page.getByRole('heading', { name: 'My orders' }));
    await visible(alice.page.getByRole('link', { name: orderId }));
    await screenshot(alice.page, 'storefront-flash-sale-my-orders');

    // The unit became an order: Bob's ticket loses, and his page learns it live.
    await visible(bob.page.getByText(/You did not win/));
    await screenshot(bob.page, 'storefront-flash-sale-lost');
    // A visitor now finds the sold-out page.
    const carol = await newShopper(browser, platform.url);
    await carol.page.goto(`/flash-sales/${saleId}`);
    await visible(carol.page.getByRole('heading', { name: 'Sold out' }));
    expect(await carol.page.getByRole('button', { name: 'Enter the sale' }).count()).toBe(0);
    await screenshot(carol.page, 'storefront-flash-sale-sold-out');

    // The dashboard, live.
    const figures = async () =>
      Object.fromEntries(
        await Promise.all(['Orders', 'Won', 'Lost', 'Tickets', 'Decided', 'Units in the gate', 'Open holds (units)'].map(async (name) => [name, await figure(console, name).textContent()])),
      );
    await expect.poll(figures, { timeout: WAIT }).toEqual({ Orders: '1', Won: '1', Lost: '1', Tickets: '2', Decided: '2', 'Units in the gate': '0', 'Open holds (units)': '0' });
    await screenshot(console, 'console-flash-sale-dashboard');

    // After the end: the final report.
    platform.clock.advance(31 * 60_000);
    await platform.runSchedule('CloseFlashSales');
    await visible(console.getByRole('table', { name: 'Report' }));
    await visible(console.getByText('final report'));
    expect(await figure(console, 'Units sold').textContent()).toBe('1');
    expect(await figure(console, 'Units returned').textContent()).toBe('0');
    await screenshot(console, 'console-flash-sale-report');

    for (const shopper of [merchant, alice, bob, carol]) {
      expect(shopper.errors).toEqual([]);
      await shopper.context.close();
    }
  }, 180_000);

  it('counts down to an upcoming sale, and follows a ticket by polling where EventSource is missing', async () => {
    const createSale = (body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, { token: admin, body });
    const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
    const upcoming = await createSale({ sku: 'FSB-SNEAKER-B', units: 2, startsAt: fromNow(3_600_000), endsAt: fromNow(7_200_000), perCustomerLimit: 2, holdSeconds: 60 });
    expect(upcoming.status).toBe(201);
    const live = await createSale({ sku: 'FSB-SNEAKER-C', units: 3, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 2, holdSeconds: 60 });
    expect(live.status).toBe(201);

    const dana = await newShopper(browser, platform.url);
    // A browser without EventSource: the page polls the ticket after pollAfterMs instead.
    await dana.context.addInitScript('delete window.EventSource;');
    const streams: string[] = [];
    const polls: string[] = [];
    dana.page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith('/events')) streams.push(path);
      else if (/\/entries\/\d+$/.test(path)) polls.push(path);
    });
    await dana.page.goto(`/flash-sales/${upcoming.body.saleId}`);
    await visible(dana.page.getByRole('timer', { name: 'The sale starts in' }));
    // [hh:]mm:ss to the start (the browser's clock; this file's platform clock ran ahead in the journey above).
    const timer = (await dana.page.getByRole('timer', { name: 'The sale starts in' }).textContent())!;
    expect(timer).toMatch(/^(\d\d:)?\d\d:\d\d$/);
    const seconds = timer.split(':').reduce((total, part) => total * 60 + Number(part), 0);
    expect(Math.abs(seconds - (Date.parse(upcoming.body.startsAt) - Date.now()) / 1000)).toBeLessThan(5);
    expect(await dana.page.getByRole('button', { name: 'Enter the sale' }).count()).toBe(0);
    await screenshot(dana.page, 'storefront-flash-sale-upcoming');

    await dana.page.goto(`/sign-in?returnTo=${encodeURIComponent(`/flash-sales/${live.body.saleId}`)}`);
    await signIn(dana.page, /Carol/);
    await dana.page.getByLabel('Quantity').fill('2');
    await dana.page.getByRole('button', { name: 'Enter the sale' }).click();
    await visible(dana.page.getByText(/You won 2 units/));
    expect(streams).toEqual([]);
    expect(polls.length).toBeGreaterThan(0);
    expect(dana.errors).toEqual([]);
    await dana.context.close();
  }, 60_000);
});
