import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { stockDropProduct } from '../support/drop-product';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Sold out at the edge, through the local platform: the gateway runs the CloudFront Function
 * file (functions/edge/sold-out.js) in front of its routes, with the local KeyValueStore the
 * flash-sale handlers write. Before a sale is final its requests reach the API; once it is sold
 * out for good or ended, entries and the sale's page are answered at the edge and change nothing.
 */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Edge Buyer', line1: '5 Edge St', city: 'Austin', postalCode: '73301', country: 'US' };

beforeAll(async () => {
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000, throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  await stockDropProduct(platform, admin, { title: 'Edge Sneaker', category: 'shoes', skuPrefix: 'EDGE-SNEAKER', amount: 10_000, units: { a: 5, b: 5, c: 5 } });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
const createSale = (body: Record<string, unknown>) => platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, { token: admin, body });
const enter = (saleId: string, token: string) => platform.request('POST', `/v1/shops/${shop}/flash-sales/${saleId}/entries`, { token });
const view = (saleId: string) => platform.request('GET', `/v1/shops/${shop}/flash-sales/${saleId}`);
const report = async (saleId: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${saleId}/report`, { token: admin })).body;

describe('sold out at the edge', () => {
  it('a sale sold out for good is answered at the edge; before that, and while a hold could give a unit back, the API answers', async () => {
    const sale = (await createSale({ sku: 'EDGE-SNEAKER-A', units: 1, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 1, holdSeconds: 300 })).body;
    const ann = await platform.token({ sub: `ann-edge-${randomUUID().slice(0, 4)}` });
    const first = await enter(sale.saleId, ann);
    expect(first.status).toBe(202);
    expect(first.headers.get('x-served-by')).toBeNull();
    const ticket = await eventually(async () => {
      const res = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/${first.body.ticket}`, { token: ann });
      expect(res.body.status).toBe('won');
      return res.body;
    });

    // The gate is empty, but the hold may expire and give its unit back: not final, the API answers.
    const meanwhile = await view(sale.saleId);
    expect(meanwhile.headers.get('x-served-by')).toBeNull();
    expect(meanwhile.body.status).toBe('live');
    const waiting = await enter(sale.saleId, await platform.token({ sub: `bo-edge-${randomUUID().slice(0, 4)}` }));
    expect(waiting.status).toBe(202);
    expect(waiting.headers.get('x-served-by')).toBeNull();

    const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
      token: ann,
      headers: { 'idempotency-key': randomUUID() },
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ann@example.com', flashSaleHoldId: ticket.holdId },
    });
    expect(order.status).toBe(201);

    // The last hold became an order with the gate empty: the sale is flagged, and the edge answers.
    const atEdge = await eventually(async () => {
      const res = await view(sale.saleId);
      expect(res.headers.get('x-served-by')).toBe('edge');
      return res;
    });
    expect(atEdge.status).toBe(200);
    expect(atEdge.body).toEqual({ saleId: sale.saleId, sku: 'EDGE-SNEAKER-A', status: 'sold_out', units: 1, startsAt: sale.startsAt, endsAt: sale.endsAt, perCustomerLimit: 1, holdSeconds: 300 });
    expect(atEdge.headers.get('cache-control')).toBe('public, max-age=30, s-maxage=60');

    await platform.idle();
    const before = await report(sale.saleId);
    const late = await Promise.all(Array.from({ length: 20 }, async (_, i) => enter(sale.saleId, await platform.token({ sub: `late-edge-${i}` }))));
    for (const res of late) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'sold_out' });
      expect(res.headers.get('x-served-by')).toBe('edge');
      expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    }
    // Nothing reached the API: no entry, ticket or sold-out answer was counted.
    expect(await report(sale.saleId)).toEqual(before);
  }, 60_000);

  it('a live sale whose admission is full has its entries answered at the edge for a while; its page and its tickets still reach the API', async () => {
    const sale = (await createSale({ sku: 'EDGE-SNEAKER-C', units: 1, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 1, holdSeconds: 300 })).body;
    const suffix = randomUUID().slice(0, 4);
    const holders = await Promise.all(Array.from({ length: 11 }, (_, i) => platform.token({ sub: `full-${suffix}-${i}` })));
    // 1 unit admits 11 tickets (the unit plus the admission buffer).
    for (const token of holders) expect((await enter(sale.saleId, token)).status).toBe(202);
    await eventually(async () => expect((await report(sale.saleId)).won).toBe(1));

    // The first entry past the full admission is answered by the API, which closes the entries at the edge.
    const first = await enter(sale.saleId, await platform.token({ sub: `full-${suffix}-late-0` }));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'sold_out' });
    expect(first.headers.get('x-served-by')).toBeNull();
    const before = await report(sale.saleId);
    expect(before).toMatchObject({ tickets: 11, soldOutAnswers: 1 });

    const late = await Promise.all(Array.from({ length: 10 }, async (_, i) => enter(sale.saleId, await platform.token({ sub: `full-${suffix}-late-${i + 1}` }))));
    for (const res of late) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'sold_out' });
      expect(res.headers.get('x-served-by')).toBe('edge');
    }
    expect(await report(sale.saleId)).toEqual(before);
    // A hold is open, so the sale is not sold out for good: its page and a ticket holder's poll are the API's.
    const page = await view(sale.saleId);
    expect(page.headers.get('x-served-by')).toBeNull();
    expect(page.body.status).toBe('live');
    const poll = await platform.request('GET', `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/2`, { token: holders[1]! });
    expect(poll.status).toBe(200);
    expect(poll.headers.get('x-served-by')).toBeNull();
  }, 60_000);

  it('an ended sale is answered at the edge once the close job closed it', async () => {
    const endsAt = fromNow(3_000);
    const sale = (await createSale({ sku: 'EDGE-SNEAKER-B', units: 2, startsAt: fromNow(-1_000), endsAt, perCustomerLimit: 1, holdSeconds: 60 })).body;
    const cy = await platform.token({ sub: `cy-edge-${randomUUID().slice(0, 4)}` });
    expect((await enter(sale.saleId, cy)).headers.get('x-served-by')).toBeNull();

    platform.clock.advance(Math.max(0, Date.parse(endsAt) - platform.clock.nowMs()) + 200);
    const beforeClose = await enter(sale.saleId, await platform.token({ sub: `dee-edge-${randomUUID().slice(0, 4)}` }));
    expect(beforeClose.status).toBe(409);
    expect(beforeClose.body.code).toBe('ended');
    expect(beforeClose.headers.get('x-served-by')).toBeNull();

    await platform.runSchedule('CloseFlashSales');
    await platform.idle();
    const before = await report(sale.saleId);
    const entry = await enter(sale.saleId, await platform.token({ sub: `eve-edge-${randomUUID().slice(0, 4)}` }));
    expect(entry.status).toBe(200);
    expect(entry.body).toEqual({ status: 'ended' });
    expect(entry.headers.get('x-served-by')).toBe('edge');
    const page = await view(sale.saleId);
    expect(page.headers.get('x-served-by')).toBe('edge');
    expect(page.body).toMatchObject({ saleId: sale.saleId, status: 'ended' });
    expect(page.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await report(sale.saleId)).toEqual(before);
  }, 60_000);
});
