import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, EventBridgeEvent, EventBridgeHandler } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { listSentEmails, startSes, type LocalSes } from '#bin/local/ses';
import type { OrderEvent, OrderPlacement } from '#shared/orders/order';

/** The SendOrderEmail handler as Lambda runs it: environment, DynamoDB Local tables, local SES. */
let ses: LocalSes;
let handler: EventBridgeHandler<string, unknown, void>;
const run = randomBytes(4).toString('hex');
const usd = (amount: number) => ({ amount, currency: 'USD' });
const placement: OrderPlacement = {
  customerId: 'carol',
  email: `carol-${run}@example.com`,
  lines: [{ sku: 'MUG', title: 'Mug', quantity: 3, unitPrice: usd(800), lineTotal: usd(2_400) }],
  totals: { subtotal: usd(2_400), total: usd(2_900) },
  shippingAddress: { name: 'Carol', line1: '3 High St', city: 'Capital City', postalCode: '99999', country: 'US' },
  ...{ source: 'cart' as const, reservationIds: ['res_1'], paymentIntentId: 'pi_1' },
};
const orderId = `ord_${run}`;

beforeAll(async () => {
  ses = await startSes();
  const endpoint = inject('dynamodbEndpoint');
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), tables);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    TABLE_ORDERS: tables.orders,
    TABLE_IDEMPOTENCY: tables.idempotency,
    SES_FROM_ADDRESS: 'orders@demo-shop.local',
  });
  (await import('#shared/config')).resetConfig();
  const { orderStore } = await import('#functions/orders/orders-wiring');
  const at = new Date().toISOString();
  const events: OrderEvent[] = [
    { seq: 1, type: 'PENDING', at, data: placement as unknown as Record<string, unknown> },
    { seq: 2, type: 'CONFIRMED', at, data: {} },
  ];
  await orderStore().append({ shopId: 'demo', orderId, customerId: 'carol', total: placement.totals.total, createdAt: at }, 0, events);
  ({ handler } = await import('#functions/notifications/send-order-email.handler'));
});

afterAll(async () => {
  (await import('#shared/adapters/ses/client')).ses.destroy();
  (await import('#shared/adapters/dynamodb/client')).dynamodb.destroy();
  await ses?.stop();
});

const context = { functionName: 'SendOrderEmail', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as Context;
const bridgeEvent = (detail: unknown): EventBridgeEvent<string, unknown> => ({
  version: '0',
  id: randomBytes(8).toString('hex'),
  'detail-type': 'OrderStatusChanged',
  source: 'commerce.orders',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [`order:demo:${orderId}`],
  detail,
});

describe('SendOrderEmail handler', () => {
  it('emails the order confirmation once, however often the event comes', async () => {
    const since = Math.floor(Date.now() / 1000);
    const detail = { shopId: 'demo', orderId, customerId: 'carol', seq: 2, status: 'CONFIRMED', at: new Date().toISOString(), data: {} };
    await handler(bridgeEvent(detail), context, () => {});
    await Promise.all([handler(bridgeEvent(detail), context, () => {}), handler(bridgeEvent(detail), context, () => {})]);
    const inbox = (await listSentEmails(ses.endpoint, since)).filter((e) => e.destination.to.includes(placement.email));
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ from: 'orders@demo-shop.local', subject: `Order ${orderId} confirmed` });
    expect(inbox[0]!.body.text).toContain('3 x Mug (MUG) at $8.00 each: $24.00');
    expect(inbox[0]!.body.text).toContain('Total: $29.00');
  });

  it('drops a malformed event and sends nothing for an unknown order', async () => {
    const carols = async () => (await listSentEmails(ses.endpoint)).filter((e) => e.destination.to.includes(placement.email)).length;
    const before = await carols();
    await expect(handler(bridgeEvent({ shopId: 'demo', seq: 'x' }), context, () => {})).resolves.toBeUndefined();
    await expect(handler(bridgeEvent({ shopId: 'demo', orderId: 'ord_missing', seq: 2, status: 'CONFIRMED', data: {} }), context, () => {})).resolves.toBeUndefined();
    await expect(handler(bridgeEvent({ shopId: 'demo', orderId, seq: 3, status: 'PICKED', data: {} }), context, () => {})).resolves.toBeUndefined();
    expect(await carols()).toBe(before);
  });
});
