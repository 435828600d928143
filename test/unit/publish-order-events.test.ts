import { describe, expect, it } from 'vitest';
import { makePublishOrderEvents } from '#shared/orders/publish-order-events';

describe('orders outbox', () => {
  it('publishes every event as OrderStatusChanged and the confirmation also as OrderPlaced', async () => {
    const published: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
    const publish = makePublishOrderEvents({ events: { publish: async (events) => void published.push(...events) } });
    const base = { shopId: 'demo', orderId: 'ord_1', customerId: 'alice' };
    await publish({ ...base, event: { seq: 1, type: 'PENDING', at: '2026-11-25T10:00:00.000Z', data: {} } });
    await publish({ ...base, event: { seq: 2, type: 'CONFIRMED', at: '2026-11-25T10:00:01.000Z', data: { paymentIntentId: 'pi_1' } } });
    await publish({ ...base, event: { seq: 3, type: 'SHIPPED', at: '2026-11-26T10:00:00.000Z', data: { trackingNumber: '1Z' } } });
    expect(published.map((e) => [e.detailType, e.detail.seq, e.detail.status])).toEqual([
      ['OrderStatusChanged', 1, 'PENDING'],
      ['OrderStatusChanged', 2, 'CONFIRMED'],
      ['OrderPlaced', 2, 'CONFIRMED'],
      ['OrderStatusChanged', 3, 'SHIPPED'],
    ]);
    expect(published[2]!.detail).toMatchObject({ shopId: 'demo', orderId: 'ord_1', customerId: 'alice', data: { paymentIntentId: 'pi_1' } });
  });
});
