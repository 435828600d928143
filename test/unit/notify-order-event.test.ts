import { describe, expect, it, vi } from 'vitest';
import { MailNotSentError, type Mailer, type OutgoingEmail, type SentOnce } from '#shared/notifications/notification-ports';
import { emailKey, makeNotifyOrderEvent, type NotificationLogger, type OrderStatusChanged } from '#shared/notifications/notify-order-event';
import type { Order, OrderPlacement } from '#shared/orders/order';
import { eventually } from '../support/eventually';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const references = { source: 'cart' as const, reservationIds: ['res_1'], paymentIntentId: 'pi_1' };
const placement: OrderPlacement = {
  customerId: 'alice',
  email: 'alice@example.com',
  lines: [{ sku: 'TEE', title: 'Tee', quantity: 2, unitPrice: usd(1_000), lineTotal: usd(2_000) }],
  totals: { subtotal: usd(2_000), total: usd(2_000) },
  shippingAddress: { name: 'Alice', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  ...references,
};
const theOrder: Order = { shopId: 'demo', orderId: 'ord_1', status: 'SHIPPED', placement, events: [], createdAt: '2026-11-25T10:00:00.000Z' };

const event = (over: Partial<OrderStatusChanged> = {}): OrderStatusChanged => ({
  shopId: 'demo',
  orderId: 'ord_1',
  customerId: 'alice',
  seq: 2,
  status: 'CONFIRMED',
  at: '2026-11-25T10:00:01.000Z',
  data: {},
  ...over,
});

/** A SentOnce like the conditional put: check-and-set in one step. */
function memorySentOnce() {
  const records = new Map<string, { status: 'CLAIMED' | 'SENT'; messageId?: string }>();
  const sentOnce: SentOnce = {
    async claim(key) {
      await tick();
      if (records.has(key)) return false;
      records.set(key, { status: 'CLAIMED' });
      return true;
    },
    async release(key) {
      if (records.get(key)?.status === 'CLAIMED') records.delete(key);
    },
  };
  return { sentOnce, records };
}

function recordingMailer(behaviour: (email: OutgoingEmail, n: number) => Promise<void> | void = () => {}) {
  const sent: OutgoingEmail[] = [];
  let attempts = 0;
  const mailer: Mailer = {
    async send(email) {
      attempts += 1;
      await tick();
      await behaviour(email, attempts);
      sent.push(email);
      return { messageId: `msg-${sent.length}` };
    },
  };
  return { mailer, sent, attempts: () => attempts };
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; details: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, details: Record<string, unknown>) => void lines.push({ level, message, details });
  const logger: NotificationLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

function setup(options: { mailer?: ReturnType<typeof recordingMailer>; order?: Order | undefined } = {}) {
  const store = memorySentOnce();
  const mail = options.mailer ?? recordingMailer();
  const log = recordingLogger();
  let loads = 0;
  const order = 'order' in options ? options.order : theOrder;
  const notify = makeNotifyOrderEvent({
    orders: { load: async () => (loads++, order) },
    mailer: mail.mailer,
    sentOnce: store.sentOnce,
    fromAddress: 'orders@demo-shop.local',
    logger: log.logger,
  });
  return { notify, ...store, ...mail, ...log, loads: () => loads };
}

describe('notifyOrderEvent', () => {
  it('emails the customer from the shop address, tagged with the event', async () => {
    const { notify, sent, records } = setup();
    expect(await notify(event())).toBe('sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'alice@example.com', from: 'orders@demo-shop.local', subject: 'Order ord_1 confirmed', tags: { type: 'order-confirmed', shopId: 'demo', orderId: 'ord_1' } });
    expect(sent[0]!.text).toContain('2 x Tee');
    expect(records.get('email:demo:ord_1:2')).toEqual({ status: 'CLAIMED' });
  });

  it('sends once when the same event arrives twice', async () => {
    const { notify, sent } = setup();
    expect(await notify(event())).toBe('sent');
    expect(await notify(event())).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });

  it('sends once when twenty copies of the event arrive at the same time', async () => {
    const { notify, sent } = setup({ mailer: recordingMailer(() => new Promise((r) => setTimeout(r, 20))) });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => notify(event({ status: 'SHIPPED', seq: 4, data: { carrier: 'UPS', trackingNumber: '1Z' } }))));
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19);
    expect(sent).toHaveLength(1);
  });

  it('sends one email per event of the same order', async () => {
    const { notify, sent } = setup();
    await notify(event({ seq: 2, status: 'CONFIRMED' }));
    await notify(event({ seq: 4, status: 'SHIPPED', data: { carrier: 'UPS', trackingNumber: '1Z' } }));
    expect(sent.map((e) => e.subject)).toEqual(['Order ord_1 confirmed', 'Your order ord_1 has shipped']);
  });

  it('sends nothing for PENDING and PICKED, and records nothing', async () => {
    const { notify, sent, records, loads } = setup();
    expect(await notify(event({ seq: 1, status: 'PENDING' }))).toBe('skipped');
    expect(await notify(event({ seq: 3, status: 'PICKED' }))).toBe('skipped');
    expect(sent).toHaveLength(0);
    expect(records.size).toBe(0);
    expect(loads()).toBe(0);
  });

  it('skips and logs an event whose order does not exist', async () => {
    const { notify, sent, records, lines } = setup({ order: undefined });
    expect(await notify(event())).toBe('skipped');
    expect(sent).toHaveLength(0);
    expect(records.size).toBe(0);
    expect(lines).toContainEqual({ level: 'warn', message: 'order not found: no email sent', details: expect.objectContaining({ shopId: 'demo', orderId: 'ord_1', seq: 2 }) });
  });

  it('skips and logs an event whose data its email needs is missing', async () => {
    const { notify, sent, records, lines } = setup();
    expect(await notify(event({ status: 'SHIPPED', seq: 4, data: { carrier: 'UPS' } }))).toBe('skipped');
    expect(sent).toHaveLength(0);
    expect(records.size).toBe(0);
    expect(lines.some((l) => l.level === 'error' && /malformed/.test(l.message))).toBe(true);
  });

  it('gives the claim back when the mail service refused, so the retry sends', async () => {
    const { notify, sent, records } = setup({
      mailer: recordingMailer((_e, n) => {
        if (n === 1) throw new MailNotSentError('throttled');
      }),
    });
    await expect(notify(event())).rejects.toThrow(MailNotSentError);
    expect(records.size).toBe(0);
    expect(await notify(event())).toBe('sent');
    expect(sent).toHaveLength(1);
  });

  it('keeps the claim when the outcome of the send is unknown: never a second email', async () => {
    const { notify, attempts, records, lines } = setup({
      mailer: recordingMailer(() => {
        throw new Error('socket hang up');
      }),
    });
    await expect(notify(event())).rejects.toThrow('socket hang up');
    expect(await notify(event())).toBe('duplicate');
    expect(attempts()).toBe(1);
    expect(records.get(emailKey(event()))).toEqual({ status: 'CLAIMED' });
    expect(lines.some((l) => l.level === 'error' && l.details.key === 'email:demo:ord_1:2')).toBe(true);
  });

  it('loses the email rather than sending it twice when the process dies between claim and send', async () => {
    const store = memorySentOnce();
    const never = { send: () => new Promise<never>(() => {}) };
    const dying = makeNotifyOrderEvent({ orders: { load: async () => theOrder }, mailer: never, sentOnce: store.sentOnce, fromAddress: 'orders@demo-shop.local' });
    void dying(event()); // the invocation is killed while sending
    await eventually(async () => expect(store.records.get(emailKey(event()))).toEqual({ status: 'CLAIMED' }), { timeoutMs: 5_000, intervalMs: 1 });

    const mail = recordingMailer();
    const retry = makeNotifyOrderEvent({ orders: { load: async () => theOrder }, mailer: mail.mailer, sentOnce: store.sentOnce, fromAddress: 'orders@demo-shop.local' });
    expect(await retry(event())).toBe('duplicate');
    expect(mail.sent).toHaveLength(0);
  });

  it('writes a confirmation from the receipt its event carries, without reading the order', async () => {
    const store = memorySentOnce();
    const mail = recordingMailer();
    const load = vi.fn(async () => theOrder);
    const notify = makeNotifyOrderEvent({ orders: { load }, mailer: mail.mailer, sentOnce: store.sentOnce, fromAddress: 'orders@demo-shop.local' });
    const { email, lines, totals, shippingAddress } = placement;
    expect(await notify(event({ data: { paymentIntentId: 'pi_1', receipt: { email, lines, totals, shippingAddress } } }))).toBe('sent');
    expect(load).not.toHaveBeenCalled();
    expect(mail.sent[0]).toMatchObject({ to: email, subject: expect.stringContaining('ord_1') });
  });

  it('records an email sent with its claim alone: one write', async () => {
    const store = memorySentOnce();
    const claim = vi.spyOn(store.sentOnce, 'claim');
    const mail = recordingMailer();
    const notify = makeNotifyOrderEvent({ orders: { load: async () => theOrder }, mailer: mail.mailer, sentOnce: store.sentOnce, fromAddress: 'orders@demo-shop.local' });
    expect(await notify(event())).toBe('sent');
    expect(await notify(event())).toBe('duplicate');
    expect(claim).toHaveBeenCalledTimes(2);
    expect(mail.sent).toHaveLength(1);
  });
});
