import { describe, expect, it } from 'vitest';
import { escapeHtml, formatMoney, MalformedOrderEventError, renderOrderEmail } from '#shared/notifications/order-emails';
import type { Order, OrderPlacement, OrderStatus } from '#shared/orders/order';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const references = { source: 'cart' as const, reservationIds: ['res_1'], paymentIntentId: 'pi_1' };

function order(placement: Partial<OrderPlacement> = {}): Order {
  const full: OrderPlacement = {
    customerId: 'alice',
    email: 'alice@example.com',
    lines: [
      { sku: 'TEE-BLU-M', title: 'Blue tee', quantity: 2, unitPrice: usd(1_999), lineTotal: usd(3_998) },
      { sku: 'CAP-RED', title: 'Red cap', quantity: 1, unitPrice: usd(1_250), lineTotal: usd(1_250) },
    ],
    totals: { subtotal: usd(5_248), total: usd(5_748) },
    shippingAddress: { name: 'Alice Doe', line1: '1 Main St', line2: 'Apt 4', city: 'Springfield', postalCode: '12345', country: 'US' },
    ...references,
    ...placement,
  };
  return { shopId: 'demo', orderId: 'ord_1', status: 'CONFIRMED', placement: full, events: [], createdAt: '2026-11-25T10:00:00.000Z' };
}

const render = (o: Order, type: OrderStatus, data: Record<string, unknown> = {}) => renderOrderEmail(o, { type, data });

describe('formatMoney', () => {
  it('uses the currency and its minor units', () => {
    expect(formatMoney(usd(1_999))).toBe('$19.99');
    expect(formatMoney(usd(5))).toBe('$0.05');
    expect(formatMoney({ amount: 1_999, currency: 'JPY' })).toBe('¥1,999');
    expect(formatMoney({ amount: 12_345, currency: 'KWD' })).toMatch(/12\.345/);
    expect(formatMoney({ amount: 123_456, currency: 'EUR' })).toBe('€1,234.56');
  });
});

describe('order emails', () => {
  it('confirms an order with every line, quantities, prices, totals and the shipping address', () => {
    const email = render(order(), 'CONFIRMED')!;
    expect(email.subject).toBe('Order ord_1 confirmed');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Blue tee');
      expect(part).toContain('TEE-BLU-M');
      expect(part).toContain('$19.99');
      expect(part).toContain('$39.98');
      expect(part).toContain('Red cap');
      expect(part).toContain('$12.50');
      expect(part).toContain('$52.48');
      expect(part).toContain('$57.48');
      expect(part).toContain('1 Main St');
      expect(part).toContain('Apt 4');
      expect(part).toContain('12345 Springfield');
    }
    expect(email.text).toContain('2 x Blue tee (TEE-BLU-M) at $19.99 each: $39.98');
    expect(email.text).toContain('1 x Red cap (CAP-RED) at $12.50 each: $12.50');
    expect(email.text).toMatch(/Subtotal: \$52\.48\nTotal: \$57\.48/);
    expect(email.html).toMatch(/<td[^>]*>2<\/td><td[^>]*>\$19\.99<\/td><td[^>]*>\$39\.98<\/td>/);
  });

  it('formats the confirmation in the order currency', () => {
    const yen = (amount: number) => ({ amount, currency: 'JPY' });
    const email = render(order({ lines: [{ sku: 'S', title: 'Tea', quantity: 3, unitPrice: yen(500), lineTotal: yen(1_500) }], totals: { subtotal: yen(1_500), total: yen(1_500) } }), 'CONFIRMED')!;
    expect(email.text).toContain('3 x Tea (S) at ¥500 each: ¥1,500');
    expect(email.text).toContain('Total: ¥1,500');
  });

  it('gives the carrier and tracking number of a shipment', () => {
    const email = render(order(), 'SHIPPED', { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' })!;
    expect(email.subject).toBe('Your order ord_1 has shipped');
    expect(email.text).toContain('Carrier: UPS');
    expect(email.text).toContain('Tracking number: 1Z999AA10123456784');
    expect(email.html).toContain('1Z999AA10123456784');
  });

  it('tells of a delivery and of a cancellation with its reason', () => {
    expect(render(order(), 'DELIVERED')!.subject).toBe('Your order ord_1 was delivered');
    const cancelled = render(order(), 'CANCELLED', { reason: 'customer_request' })!;
    expect(cancelled.subject).toBe('Your order ord_1 was cancelled');
    expect(cancelled.text).toContain('Reason: you asked us to cancel it');
    expect(render(order(), 'CANCELLED', { reason: 'payment_failed' })!.html).toContain('Reason: the payment could not be completed');
    expect(render(order(), 'CANCELLED', { reason: 'fraud_suspected' })!.text).toContain('Reason: fraud suspected');
    expect(render(order(), 'CANCELLED', {})!.text).not.toContain('Reason');
  });

  it('confirms a refund with its amount: Money, minor units, or the whole order by default', () => {
    const partial = render(order(), 'RETURNED', { reason: 'too small', refundId: 're_1', amount: usd(1_999) })!;
    expect(partial.subject).toBe('Refund of $19.99 for order ord_1');
    expect(partial.text).toContain('refunded $19.99');
    expect(partial.text).toContain('Refund reference: re_1');
    expect(partial.html).toContain('refunded $19.99');
    expect(render(order(), 'RETURNED', { amount: 1_250 })!.text).toContain('refunded $12.50');
    expect(render(order(), 'RETURNED', {})!.text).toContain('refunded $57.48');
  });

  it('sends nothing for PENDING and PICKED', () => {
    expect(render(order(), 'PENDING')).toBeUndefined();
    expect(render(order(), 'PICKED')).toBeUndefined();
  });

  it('refuses a shipment without tracking number', () => {
    expect(() => render(order(), 'SHIPPED', { carrier: 'UPS' })).toThrow(MalformedOrderEventError);
  });

  it('escapes every value from user data in the HTML and keeps the subject on one line', () => {
    const evil = '<script>alert("x")</script>';
    const o = order({
      lines: [{ sku: 'A&B', title: `Tee ${evil}`, quantity: 1, unitPrice: usd(100), lineTotal: usd(100) }],
      shippingAddress: { name: `Mallory <img src=x onerror=alert(1)>`, line1: `"quoted" & 'single'`, city: '<b>City</b>', postalCode: '1', country: 'US' },
    });
    const confirmed = render(o, 'CONFIRMED')!;
    const shipped = render(o, 'SHIPPED', { carrier: '<i>Carrier</i>', trackingNumber: '<a href="x">1Z</a>' })!;
    const cancelled = render(o, 'CANCELLED', { reason: evil })!;
    const returned = render(o, 'RETURNED', { refundId: evil })!;
    for (const { html } of [confirmed, shipped, cancelled, returned]) {
      expect(html).not.toMatch(/<script|<img|<i>|<a |<b>/);
    }
    expect(confirmed.html).toContain('Tee &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(confirmed.html).toContain('A&amp;B');
    expect(confirmed.html).toContain('&quot;quoted&quot; &amp; &#39;single&#39;');
    expect(shipped.html).toContain('&lt;a href=&quot;x&quot;&gt;1Z&lt;/a&gt;');
    // The text part is plain text: the same values, unescaped.
    expect(confirmed.text).toContain(`Tee ${evil}`);

    const newline = render({ ...o, orderId: 'ord_1\r\nBcc: x@evil.test' }, 'DELIVERED')!;
    expect(newline.subject).not.toMatch(/[\r\n]/);
  });

  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});
