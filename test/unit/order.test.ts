import { describe, expect, it } from 'vitest';
import { canMove, foldOrder, InvalidTransitionError, nextEvent, ORDER_STATUSES, type OrderEvent } from '#shared/orders/order';

const placed: OrderEvent = {
  seq: 1,
  type: 'PENDING',
  at: '2026-11-25T10:00:00.000Z',
  data: { customerId: 'alice', email: 'a@example.com', lines: [], totals: {}, shippingAddress: {}, reservationId: 'res_1' },
};

describe('order events', () => {
  it('takes its status from the latest event', () => {
    const order = foldOrder('demo', 'ord_1', [placed, { seq: 2, type: 'CONFIRMED', at: '2026-11-25T10:00:01.000Z', data: {} }])!;
    expect(order.status).toBe('CONFIRMED');
    expect(order.createdAt).toBe(placed.at);
    expect(foldOrder('demo', 'ord_1', [])).toBeUndefined();
  });

  it('allows exactly the documented transitions', () => {
    const allowed = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}>${to}`));
    expect(allowed.sort()).toEqual(
      ['PENDING>CONFIRMED', 'PENDING>CANCELLED', 'CONFIRMED>PICKED', 'CONFIRMED>CANCELLED', 'PICKED>SHIPPED', 'SHIPPED>DELIVERED', 'SHIPPED>RETURNED', 'DELIVERED>RETURNED'].sort(),
    );
  });

  it('given a shipped order, refuses to cancel it and numbers the next event', () => {
    const events: OrderEvent[] = ['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED'].map((type, i) => ({ seq: i + 1, type: type as OrderEvent['type'], at: placed.at, data: i === 0 ? placed.data : {} }));
    const order = foldOrder('demo', 'ord_1', events)!;
    expect(() => nextEvent(order, 'CANCELLED', placed.at)).toThrow(InvalidTransitionError);
    expect(nextEvent(order, 'DELIVERED', '2026-11-26T00:00:00.000Z')).toEqual({ seq: 5, type: 'DELIVERED', at: '2026-11-26T00:00:00.000Z', data: {} });
  });
});
