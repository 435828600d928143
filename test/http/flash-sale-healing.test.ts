import { randomUUID } from 'node:crypto';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { eventually } from '../support/eventually';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Flash-sale self-healing through the gateway: ticket messages lost mid-sale (sent to the
 * dead-letter queue, purged from the queue) strand no customer and no unit once the
 * minute job has run; a message that is not JSON does not hold up its FIFO group. The
 * re-drive bound is one second here (FLASH_SALE_REDRIVE_AFTER_SECONDS): the test moves the
 * platform's clock past it and runs the job.
 */
let platform: TestPlatform;
let admin: string;
let sqs: SQSClient;
const shop = DEMO_SHOP.shopId;
const address = { name: 'Heal Buyer', line1: '9 Mend St', city: 'Austin', postalCode: '73301', country: 'US' };
const queueEnv = 'QUEUE_URL_FLASH_SALE_ENTRIES';

beforeAll(async () => {
  process.env.FLASH_SALE_REDRIVE_AFTER_SECONDS = '1';
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000, throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  sqs = new SQSClient({ endpoint: platform.endpoints.sqs, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: 'Mended Boot',
      brand: 'Heal',
      category: 'boots',
      options: [{ name: 'size', values: ['a', 'b'] }],
      variants: ['a', 'b'].map((v) => ({ sku: `HEAL-${v.toUpperCase()}`, options: { size: v }, price: { amount: 9_000, currency: 'USD' } })),
    },
  });
  expect(created.status).toBe(201);
  for (const sku of ['HEAL-A', 'HEAL-B']) {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/${sku}/adjustments`, {
      token: admin,
      body: { delta: 20, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await platform?.stop();
  delete process.env.FLASH_SALE_REDRIVE_AFTER_SECONDS;
});

const stock = async (sku: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/inventory/${sku}`, { token: admin })).body;
const live = (sku: string, units: number) =>
  platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, {
    token: admin,
    body: { sku, units, startsAt: new Date(Date.now() - 1_000).toISOString(), endsAt: new Date(Date.now() + 600_000).toISOString(), perCustomerLimit: 1, holdSeconds: 300 },
  });
const enter = (saleId: string, token: string) => platform.request('POST', `/v1/shops/${shop}/flash-sales/${saleId}/entries`, { token });
const ticketOf = (saleId: string, token: string, ticket: number) => platform.request('GET', `/v1/shops/${shop}/flash-sales/${saleId}/entries/${ticket}`, { token });
const report = async (saleId: string) => (await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${saleId}/report`, { token: admin })).body;

describe('flash-sale healing', () => {
  it('decides every ticket whose message was lost mid-sale (to the DLQ, or purged), with exact counts', async () => {
    const sale = (await live('HEAL-A', 8)).body;
    const buyers = await Promise.all(Array.from({ length: 12 }, (_, i) => platform.token({ sub: `heal-${i}-${randomUUID().slice(0, 6)}` })));
    // Each buyer's ticket at the buyer's index (concurrent entries answer in any order).
    const tickets: number[] = [];
    const entryOf = async (token: string) => {
      const res = await enter(sale.saleId, token);
      expect(res.status).toBe(202);
      tickets[buyers.indexOf(token)] = res.body.ticket;
    };

    // Four entries reach the worker.
    for (const token of buyers.slice(0, 4)) await entryOf(token);
    await eventually(async () => expect(await report(sale.saleId)).toMatchObject({ won: 4 }));

    // Four messages are lost to the dead-letter queue (sent where no worker reads) ...
    const queues = platform.queues.flashSaleEntries;
    process.env[queueEnv] = queues.dlqUrl;
    try {
      for (const token of buyers.slice(4, 8)) await entryOf(token);
    } finally {
      process.env[queueEnv] = queues.url;
    }
    // ... and the queue is purged while four more entries arrive (SQS allows one purge a minute; any the worker took first are decided as usual).
    await Promise.all([...buyers.slice(8, 12).map(entryOf), sqs.send(new PurgeQueueCommand({ QueueUrl: queues.url }))]);
    await platform.idle();
    // (The platform's own minute timer may run the job too: whatever it re-drove counts as re-driven already. A message
    // the worker took before the purge decides the others ahead of their lost messages; the rest wait for the re-drive.)
    const before = await report(sale.saleId);
    const stranded = 12 - before.won - before.lost - before.waiting;

    // Past the bound (on the platform's clock) the minute job decides them from the state in Redis.
    platform.clock.advance(1_100);
    await platform.runSchedule('CloseFlashSales');
    const healed = await report(sale.saleId);
    expect(healed).toMatchObject({ tickets: 12, won: 8, inGate: 0, held: 8, redriven: before.redriven + stranded });
    expect(healed.won + healed.lost + healed.waiting).toBe(12);
    expect(await stock('HEAL-A')).toMatchObject({ onHand: 20, available: 12, reserved: 8, sold: 0 });

    // Every winner has a hold checkout accepts; once all eight check out, the tickets still waiting lose.
    const views = await Promise.all(tickets.map((t, i) => ticketOf(sale.saleId, buyers[i]!, t)));
    const winners = views.map((v, i) => ({ body: v.body, token: buyers[i]! })).filter(({ body }) => body.status === 'won');
    expect(winners).toHaveLength(8);
    for (const { body, token } of winners) {
      const order = await platform.request('POST', `/v1/shops/${shop}/checkout`, {
        token,
        headers: { 'idempotency-key': randomUUID() },
        body: { paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'h@example.com', flashSaleHoldId: body.holdId },
      });
      expect(order.status).toBe(201);
    }
    const final = await eventually(async () => {
      const r = await report(sale.saleId);
      expect(r).toMatchObject({ won: 8, lost: 4, waiting: 0, orders: 8, unitsSold: 8, held: 0, inGate: 0 });
      return r;
    });
    expect(final.unitsSold + final.unitsReturned).toBe(sale.units);
    const statuses = await Promise.all(tickets.map((t, i) => ticketOf(sale.saleId, buyers[i]!, t)));
    expect(statuses.filter((s) => s.body.status === 'queued')).toEqual([]);
    expect(await stock('HEAL-A')).toMatchObject({ onHand: 20, available: 12, reserved: 0, sold: 8 });

    // Another run finds nothing left to heal.
    await platform.runSchedule('CloseFlashSales');
    expect(await report(sale.saleId)).toMatchObject({ redriven: healed.redriven, repaired: final.repaired, orders: 8 });
  }, 120_000);

  it('a message that is not JSON is dropped; the ticket behind it in the same FIFO group is decided at once', async () => {
    const sale = (await live('HEAL-B', 2)).body;
    const queue = platform.queues.flashSaleEntries;
    // The next ticket is 1: a malformed message goes first in its message group.
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'not json {', MessageGroupId: `${shop}:${sale.saleId}:1`, MessageDeduplicationId: randomUUID() }));
    const token = await platform.token({ sub: `heal-json-${randomUUID().slice(0, 6)}` });
    const entry = await enter(sale.saleId, token);
    expect(entry.body.ticket).toBe(1);
    const decided = await eventually(async () => {
      const res = await ticketOf(sale.saleId, token, 1);
      expect(res.body.status).toBe('won');
      return res.body;
    });
    expect(decided.holdId).toEqual(expect.any(String));
    expect((await report(sale.saleId)).redriven).toBe(0);
  }, 60_000);
});
