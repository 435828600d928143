import { describe, expect, it, vi } from 'vitest';
import type { CheckoutLine } from '#shared/cart/manage-cart';
import type { CheckoutKeyRecord, CheckoutKeys, OrderPlacementStore, PlacementPlan } from '#shared/checkout/checkout-ports';
import { CartEmptyError, CartTooLargeError, CheckoutExpiredError, ItemsUnavailableError, PaymentDeclinedError } from '#shared/checkout/checkout-errors';
import { PaymentUnavailableError, type Authorization, type PaymentGateway } from '#shared/checkout/payment-gateway';
import { checkoutFingerprint, checkoutIds, makePlaceOrder, type PlaceOrderInput } from '#shared/checkout/place-order';
import { reservationIdsFromMetadata } from '#shared/checkout/payment-metadata';
import { OutOfStockError, ReservationNotActiveError, type Reservation, type ReservationStatus } from '#shared/inventory/reservations';
import type { ReserveInput } from '#shared/inventory/reserve-stock';
import { ConcurrentAppendError, foldOrder, type OrderEvent, type OrderPlacement } from '#shared/orders/order';
import type { OrderHeader } from '#shared/orders/order-ports';

/**
 * The checkout saga with in-memory fakes of its ports and a fixed clock: given a cart (or a
 * flash-sale hold) and stock, when the customer checks out, then which reservations, which
 * authorization, which order events, and what is given back when a step fails.
 */
const SHOP = 'shop-1';
const CUSTOMER = 'alice';
const KEY = 'idem-1';
const NOW = new Date('2026-11-25T12:00:00.000Z');
const ids = checkoutIds(SHOP, CUSTOMER, KEY);
const usd = (amount: number) => ({ amount, currency: 'USD' });
const address = { name: 'Ada Lovelace', line1: '1 Analytical St', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const input: PlaceOrderInput = { shopId: SHOP, customerId: CUSTOMER, idempotencyKey: KEY, paymentMethodId: 'pm_card_visa', shippingAddress: address, email: 'ada@example.com' };

const line = (sku: string, quantity: number, unit: number, holdId?: string): CheckoutLine => ({
  sku,
  title: `Title ${sku}`,
  quantity,
  unitPrice: usd(unit),
  lineTotal: usd(unit * quantity),
  ...(holdId ? { holdId } : {}),
});

const reservation = (reservationId: string, lines: Reservation['lines'], status: ReservationStatus = 'ACTIVE', source = 'cart'): Reservation => ({
  shopId: SHOP,
  reservationId,
  lines,
  status,
  createdAt: '2026-11-25T11:50:00.000Z',
  expiresAt: '2026-11-25T12:05:00.000Z',
  source,
});

interface WorldOptions {
  cart?: { lines: CheckoutLine[]; unavailable?: string[] };
  /** Units available per SKU for fresh reservations; a SKU not listed has plenty. */
  stock?: Record<string, number>;
  /** Reservations that exist before the checkout (cart holds, flash-sale holds, an earlier attempt's). */
  reservations?: Reservation[];
  authorize?: (input: Parameters<PaymentGateway['authorize']>[0]) => Promise<Authorization>;
  /** Runs before the fake placement does its work; throw to simulate a failure. */
  beforePlace?: () => Promise<void> | void;
  /** Orders stored before the checkout. */
  orders?: Array<{ orderId: string; events: OrderEvent[] }>;
  flashSaleHold?: { saleId?: string; lines: CheckoutLine[]; reservationId: string };
  cartEmptying?: 'ok' | 'fails';
  /** The key's record before the checkout (e.g. left in progress by an attempt that died). */
  record?: CheckoutKeyRecord;
}

/** A record left in progress by an attempt that died, past its time. */
const abandoned = (): CheckoutKeyRecord => ({ fingerprint: checkoutFingerprint(input), state: 'in_progress', claim: 'dead-attempt', inProgressUntil: NOW.getTime() - 1 });

/** An in-memory world: reservations with counters, an append-only order store, a payment gateway. */
function world(options: WorldOptions = {}) {
  const calls: string[] = [];
  const stock = new Map(Object.entries(options.stock ?? {}));
  const reservations = new Map((options.reservations ?? []).map((r) => [r.reservationId, r]));
  const streams = new Map<string, OrderEvent[]>((options.orders ?? []).map((o) => [o.orderId, o.events]));

  const reservationPort = {
    reserve: vi.fn(async (req: ReserveInput): Promise<Reservation> => {
      calls.push(`reserve:${req.reservationId}`);
      const known = req.reservationId ? reservations.get(req.reservationId) : undefined;
      if (known) return known; // the same request again is answered unchanged
      const short = req.lines.filter((l) => (stock.get(l.sku) ?? Infinity) < l.quantity).map((l) => l.sku);
      if (short.length > 0) throw new OutOfStockError(short);
      for (const l of req.lines) if (stock.has(l.sku)) stock.set(l.sku, stock.get(l.sku)! - l.quantity);
      const created = { ...reservation(req.reservationId ?? 'res_generated', req.lines, 'ACTIVE', req.source), ...(req.reference ? { reference: req.reference } : {}) };
      reservations.set(created.reservationId, created);
      return created;
    }),
    release: vi.fn(async (shopId: string, reservationId: string): Promise<Reservation> => {
      calls.push(`release:${reservationId}`);
      const current = reservations.get(reservationId)!;
      if (current.status !== 'ACTIVE') throw new ReservationNotActiveError(reservationId, current.status);
      const released = { ...current, status: 'RELEASED' as const };
      reservations.set(reservationId, released);
      return released;
    }),
    get: vi.fn(async (_shopId: string, reservationId: string) => reservations.get(reservationId)),
  };

  const orders = {
    load: vi.fn(async (shopId: string, orderId: string) => foldOrder(shopId, orderId, streams.get(orderId) ?? [])),
    append: vi.fn(async (order: OrderHeader, expectedSeq: number, events: readonly OrderEvent[]) => {
      calls.push(`append:${events.map((e) => e.type).join('+')}`);
      const stream = streams.get(order.orderId) ?? [];
      if (stream.length !== expectedSeq) throw new ConcurrentAppendError(order.orderId);
      streams.set(order.orderId, [...stream, ...events]);
    }),
  };

  /** The key records, in memory, with the adapter's claim rule: none, or one left in progress past its time. */
  const records = new Map<string, CheckoutKeyRecord>(options.record ? [[ids.keyId, options.record]] : []);
  const claimable = (keyId: string, at: number) => {
    const r = records.get(keyId);
    return !r || (r.state === 'in_progress' && r.inProgressUntil < at);
  };
  const keys = {
    open: vi.fn(async (keyId: string) => ({ ...(records.has(keyId) ? { record: records.get(keyId)! } : {}) })),
    record: vi.fn(async (keyId: string) => records.get(keyId)),
    claim: vi.fn(async (claim: Parameters<CheckoutKeys['claim']>[0]) => {
      if (!claimable(claim.keyId, claim.at)) return false;
      records.set(claim.keyId, { fingerprint: claim.fingerprint, state: 'in_progress', claim: claim.claim, inProgressUntil: claim.inProgressUntil });
      return true;
    }),
    reserveAndClaim: vi.fn<CheckoutKeys['reserveAndClaim']>(async (wanted, claim) => {
      if (!claimable(claim.keyId, claim.at)) return { outcome: 'key_taken' };
      if (reservations.has(wanted.reservationId)) return { outcome: 'reservation_exists' };
      const created = await reservationPort.reserve({ shopId: wanted.shopId, lines: wanted.lines, source: wanted.source, reference: wanted.reference!, reservationId: wanted.reservationId });
      records.set(claim.keyId, { fingerprint: claim.fingerprint, state: 'in_progress', claim: claim.claim, inProgressUntil: claim.inProgressUntil });
      return { outcome: 'reserved', reservation: created };
    }),
    answer: vi.fn<CheckoutKeys['answer']>(async (claim, answer, { claimed }) => {
      const held = records.get(claim.keyId);
      if (claimed ? held?.claim !== claim.claim : !claimable(claim.keyId, claim.at)) return false;
      records.set(claim.keyId, { fingerprint: claim.fingerprint, state: 'answered', claim: claim.claim, inProgressUntil: claim.inProgressUntil, answer });
      calls.push(`answer:${answer.kind}`);
      return true;
    }),
    release: vi.fn(async (claim: Parameters<CheckoutKeys['release']>[0]) => {
      if (records.get(claim.keyId)?.claim === claim.claim) records.delete(claim.keyId);
    }),
  } satisfies CheckoutKeys;

  const placement = {
    // DynamoDB's count: 2 events + summary, and per reservation 1 + 2 per line, at most 100.
    fits: vi.fn((plan: PlacementPlan) => plan.events + 1 + plan.reservations.reduce((sum, r) => sum + 1 + 2 * r.lines.length, 0) <= 100),
    place: vi.fn<OrderPlacementStore['place']>(async (order, expectedSeq, events, { reservationIds, answer }) => {
      calls.push(`place:${events.map((e) => e.type).join('+')}`);
      await options.beforePlace?.();
      for (const id of reservationIds) {
        const current = reservations.get(id)!;
        if (current.status !== 'ACTIVE') throw new ReservationNotActiveError(id, current.status);
      }
      const stream = streams.get(order.orderId) ?? [];
      if (stream.length !== expectedSeq) throw new ConcurrentAppendError(order.orderId);
      streams.set(order.orderId, [...stream, ...events]);
      for (const id of reservationIds) reservations.set(id, { ...reservations.get(id)!, status: 'COMMITTED' });
      if (answer) records.set(answer.claim.keyId, { ...records.get(answer.claim.keyId)!, state: 'answered', answer: answer.answer });
      return { cartSaved: false, answered: answer !== undefined };
    }),
  };

  const payments = {
    authorize: vi.fn(async (req: Parameters<PaymentGateway['authorize']>[0]): Promise<Authorization> => {
      calls.push(`authorize:${req.idempotencyKey}`);
      return options.authorize ? options.authorize(req) : { status: 'authorized', paymentIntentId: 'pi_1' };
    }),
    capture: vi.fn(async () => {}),
    cancel: vi.fn(async (paymentIntentId: string) => {
      calls.push(`cancel:${paymentIntentId}`);
    }),
    refund: vi.fn(async () => ({ refundId: 're_1' })),
    get: vi.fn(async (paymentIntentId: string) => ({
      paymentIntentId,
      status: 'requires_action' as const,
      amount: usd(0),
      metadata: {},
      created: NOW,
      nextAction: { type: 'redirect_to_url', url: 'https://bank.example/3ds' },
    })),
    authorizationsPage: vi.fn(async () => ({ payments: [] })),
    parseWebhook: vi.fn(),
  } satisfies PaymentGateway;

  const cart = {
    forCheckout: vi.fn(async () => ({
      cart: { shopId: SHOP, customerId: CUSTOMER, lines: [], version: 1, updatedAt: NOW.toISOString(), expiresAt: NOW.toISOString() },
      lines: options.cart?.lines ?? [],
      unavailable: options.cart?.unavailable ?? [],
      currency: 'USD',
    })),
    removeCheckedOut: vi.fn(async () => {
      calls.push('cart:emptied');
      if (options.cartEmptying === 'fails') throw new Error('cart table unavailable');
    }),
  };

  const flashSaleHolds = {
    claim: vi.fn(async () => {
      if (!options.flashSaleHold) throw new Error('no hold');
      return { saleId: 'sale_1', ...options.flashSaleHold };
    }),
    release: vi.fn(async () => {}),
  };

  const log = vi.fn();
  const placeOrder = makePlaceOrder({
    cart,
    reservations: reservationPort,
    keys,
    payments,
    orders,
    placement,
    flashSaleHolds,
    reservationSeconds: 900,
    inProgressMs: 30_000,
    waitForAnswerMs: 25_000,
    clock: () => NOW,
    log,
  });
  return {
    placeOrder,
    calls,
    keys,
    records,
    log,
    cart,
    payments,
    placement,
    orders,
    flashSaleHolds,
    reservationPort,
    reservation: (id: string) => reservations.get(id),
    finish: (id: string, status: ReservationStatus) => void reservations.set(id, { ...reservations.get(id)!, status }),
    events: (orderId = ids.orderId) => streams.get(orderId) ?? [],
    available: (sku: string) => stock.get(sku),
  };
}

const placedEvents = (reservationIds: string[], lines: CheckoutLine[], extra: Partial<OrderPlacement> = {}): OrderEvent[] => [
  {
    seq: 1,
    type: 'PENDING',
    at: NOW.toISOString(),
    data: {
      customerId: CUSTOMER,
      email: 'ada@example.com',
      lines: lines.map(({ holdId: _, ...l }) => l),
      totals: { subtotal: usd(2_000), total: usd(2_000) },
      shippingAddress: address,
      source: 'cart',
      reservationIds,
      paymentIntentId: 'pi_old',
      ...extra,
    },
  },
];

describe('checkout ids', () => {
  it('derives the same ids from the same shop, customer and key, and different ones otherwise', () => {
    expect(checkoutIds(SHOP, CUSTOMER, KEY)).toEqual(ids);
    expect(ids.orderId).toMatch(/^ord_[A-Za-z0-9]{22}$/);
    expect(ids.reservationId).toBe(`res_chk_${ids.orderId.slice(4)}`);
    expect(ids.paymentKey).toBe(`checkout_${ids.orderId.slice(4)}`);
    expect(checkoutIds(SHOP, CUSTOMER, 'idem-2').orderId).not.toBe(ids.orderId);
    expect(checkoutIds(SHOP, 'bob', KEY).orderId).not.toBe(ids.orderId);
    expect(checkoutIds('shop-2', CUSTOMER, KEY).orderId).not.toBe(ids.orderId);
  });
});

describe('place order', () => {
  it('given a cart with a plain line and an ACTIVE limited-edition hold, reserves the plain line, authorizes, places PENDING + CONFIRMED committing both, then empties the cart', async () => {
    const lines = [line('TEE', 2, 1_500), line('LTD-1', 1, 5_000, 'hold-1')];
    const w = world({ cart: { lines }, reservations: [reservation('hold-1', [{ sku: 'LTD-1', quantity: 1 }])] });

    const result = await w.placeOrder(input);

    expect(w.reservationPort.reserve).toHaveBeenCalledExactlyOnceWith({
      shopId: SHOP,
      lines: [{ sku: 'TEE', quantity: 2 }],
      source: 'checkout',
      reference: ids.orderId,
      reservationId: ids.reservationId,
    });
    expect(w.payments.authorize).toHaveBeenCalledExactlyOnceWith({
      amount: usd(8_000),
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: ids.paymentKey,
      metadata: { shopId: SHOP, orderId: ids.orderId, customerId: CUSTOMER, reservationIds: `hold-1,${ids.reservationId}` },
      description: `Order ${ids.orderId}`,
      receiptEmail: 'ada@example.com',
    });
    expect(w.placement.place).toHaveBeenCalledOnce();
    const [header, expectedSeq, events, commit] = w.placement.place.mock.calls[0]!;
    expect(header).toEqual({ shopId: SHOP, orderId: ids.orderId, customerId: CUSTOMER, total: usd(8_000), createdAt: NOW.toISOString() });
    expect(expectedSeq).toBe(0);
    expect(commit).toMatchObject({ reservationIds: ['hold-1', ids.reservationId], actor: 'checkout' });
    expect(events).toEqual([
      {
        seq: 1,
        type: 'PENDING',
        at: NOW.toISOString(),
        data: {
          customerId: CUSTOMER,
          email: 'ada@example.com',
          lines: [
            { sku: 'TEE', title: 'Title TEE', quantity: 2, unitPrice: usd(1_500), lineTotal: usd(3_000) },
            { sku: 'LTD-1', title: 'Title LTD-1', quantity: 1, unitPrice: usd(5_000), lineTotal: usd(5_000) },
          ],
          totals: { subtotal: usd(8_000), total: usd(8_000) },
          shippingAddress: address,
          source: 'cart',
          reservationIds: ['hold-1', ids.reservationId],
          ownReservationId: ids.reservationId,
          paymentIntentId: 'pi_1',
        },
      },
      { seq: 2, type: 'CONFIRMED', at: NOW.toISOString(), data: expect.objectContaining({ paymentIntentId: 'pi_1', source: 'cart', receipt: expect.objectContaining({ email: 'ada@example.com' }) }) },
    ]);
    expect(w.calls).toEqual([`reserve:${ids.reservationId}`, `authorize:${ids.paymentKey}`, 'place:PENDING+CONFIRMED', 'cart:emptied']);
    expect(w.cart.removeCheckedOut).toHaveBeenCalledExactlyOnceWith(SHOP, CUSTOMER, lines);
    expect(result).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId, status: 'CONFIRMED' } });
    expect(w.reservation('hold-1')?.status).toBe('COMMITTED');
    expect(w.reservation(ids.reservationId)?.status).toBe('COMMITTED');
  });

  it('reserves a line afresh when its cart hold expired (or no longer holds exactly its units)', async () => {
    const lines = [line('LTD-1', 1, 5_000, 'hold-expired'), line('LTD-2', 3, 1_000, 'hold-short')];
    const w = world({
      cart: { lines },
      reservations: [reservation('hold-expired', [{ sku: 'LTD-1', quantity: 1 }], 'EXPIRED'), reservation('hold-short', [{ sku: 'LTD-2', quantity: 2 }])],
    });

    await w.placeOrder(input);

    expect(w.reservationPort.reserve).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({
        lines: [
          { sku: 'LTD-1', quantity: 1 },
          { sku: 'LTD-2', quantity: 3 },
        ],
        reservationId: ids.reservationId,
      }),
    );
    expect(w.placement.place.mock.calls[0]![3].reservationIds).toEqual([ids.reservationId]);
    expect(w.reservation('hold-short')?.status).toBe('ACTIVE'); // not this order's: its cart keeps it
  });

  it('refuses a cart with items no longer sold, naming them, and reserves nothing', async () => {
    const w = world({ cart: { lines: [line('TEE', 1, 1_500)], unavailable: ['GONE-1', 'GONE-2'] } });
    const error = await w.placeOrder(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemsUnavailableError);
    expect(error).toMatchObject({ code: 'items_unavailable', skus: ['GONE-1', 'GONE-2'] });
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
  });

  it('refuses an empty cart', async () => {
    const w = world({ cart: { lines: [] } });
    await expect(w.placeOrder(input)).rejects.toSatisfy((e) => e instanceof CartEmptyError && e.code === 'cart_empty');
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
  });

  it('authorizes nothing and writes no order when a line is out of stock', async () => {
    const w = world({ cart: { lines: [line('TEE', 1, 1_500), line('MUG', 3, 1_000)] }, stock: { TEE: 5, MUG: 2 } });
    await expect(w.placeOrder(input)).rejects.toMatchObject({ code: 'out_of_stock', skus: ['MUG'] });
    expect(w.payments.authorize).not.toHaveBeenCalled();
    expect(w.placement.place).not.toHaveBeenCalled();
    expect(w.available('TEE')).toBe(5);
    expect(w.events()).toEqual([]);
  });

  it('on a decline, releases its own reservation but not the cart hold, and says why', async () => {
    const w = world({
      cart: { lines: [line('TEE', 1, 1_500), line('LTD-1', 1, 5_000, 'hold-1')] },
      reservations: [reservation('hold-1', [{ sku: 'LTD-1', quantity: 1 }])],
      authorize: async () => ({ status: 'declined', paymentIntentId: 'pi_1', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' }),
    });

    const error = await w.placeOrder(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PaymentDeclinedError);
    expect(error).toMatchObject({ code: 'payment_declined', extra: { declineCode: 'insufficient_funds' } });
    expect(w.reservationPort.release).toHaveBeenCalledExactlyOnceWith(SHOP, ids.reservationId, 'checkout');
    expect(w.reservation(ids.reservationId)?.status).toBe('RELEASED');
    expect(w.reservation('hold-1')?.status).toBe('ACTIVE');
    expect(w.placement.place).not.toHaveBeenCalled();
    expect(w.cart.removeCheckedOut).not.toHaveBeenCalled();
  });

  it('when the gateway cannot be reached, releases its own reservation and rethrows the error', async () => {
    const unreachable = new PaymentUnavailableError('connection reset');
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, authorize: async () => Promise.reject(unreachable) });

    await expect(w.placeOrder(input)).rejects.toBe(unreachable);

    expect(w.calls).toEqual([`reserve:${ids.reservationId}`, `authorize:${ids.paymentKey}`, `release:${ids.reservationId}`]);
    expect(w.reservation(ids.reservationId)?.status).toBe('RELEASED');
    expect(w.events()).toEqual([]);
  });

  it('when the bank asks for 3-D Secure, appends PENDING alone, keeps the reservation and answers the next action', async () => {
    const nextAction = { type: 'redirect_to_url', url: 'https://bank.example/3ds' };
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, authorize: async () => ({ status: 'requires_action', paymentIntentId: 'pi_3ds', nextAction }) });

    const result = await w.placeOrder(input);

    // PENDING alone, committing nothing, with the key's answer (the 202) in the same write.
    expect(w.placement.place).toHaveBeenCalledOnce();
    expect(w.placement.place.mock.calls[0]![3]).toMatchObject({ reservationIds: [], answer: { answer: { kind: 'result', result: { outcome: 'requires_action' } } } });
    expect(w.orders.append).not.toHaveBeenCalled();
    expect(w.events().map((e) => [e.seq, e.type])).toEqual([[1, 'PENDING']]);
    expect(w.events()[0]!.data).toMatchObject({ paymentIntentId: 'pi_3ds', reservationIds: [ids.reservationId], ownReservationId: ids.reservationId });
    expect(w.reservation(ids.reservationId)?.status).toBe('ACTIVE');
    expect(w.reservationPort.release).not.toHaveBeenCalled();
    expect(result).toMatchObject({ outcome: 'requires_action', nextAction, order: { orderId: ids.orderId, status: 'PENDING' } });
  });

  it('when the stock was released while the payment was authorized, voids the payment and answers checkout_expired', async () => {
    // The sweeper expires the reservation between the authorization and the placement.
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, beforePlace: () => w.finish(ids.reservationId, 'EXPIRED') });

    const error = await w.placeOrder(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CheckoutExpiredError);
    expect(error).toMatchObject({ code: 'checkout_expired' });
    expect(w.payments.cancel).toHaveBeenCalledExactlyOnceWith('pi_1', { idempotencyKey: `${ids.paymentKey}:expired`, reason: 'abandoned' });
    expect(w.events()).toEqual([]);
    expect(w.cart.removeCheckedOut).not.toHaveBeenCalled();
  });

  it('when another request with the same key placed the order first, answers that order', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] } });
    w.placement.place.mockImplementationOnce(async (order) => {
      // The twin request won the race: its events are stored, ours are refused.
      await w.orders.append(order, 0, [
        ...placedEvents([ids.reservationId], [line('TEE', 2, 1_500)], { paymentIntentId: 'pi_1' }),
        { seq: 2, type: 'CONFIRMED', at: NOW.toISOString(), data: { paymentIntentId: 'pi_1' } },
      ]);
      throw new ConcurrentAppendError(order.orderId);
    });

    const result = await w.placeOrder(input);

    expect(result).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId, status: 'CONFIRMED' } });
    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(w.events()).toHaveLength(2);
  });

  // Fails today: a twin request with the same key commits the shared reservation first, the placement
  // (like the DynamoDB adapter does) reports ReservationNotActiveError(COMMITTED), and placeOrder voids
  // the PaymentIntent that the twin's CONFIRMED order holds (same payment key, same PaymentIntent).
  it('when a twin request with the same key committed the stock first, answers its order and voids nothing', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] } });
    w.placement.place.mockImplementationOnce(async (order) => {
      await w.orders.append(order, 0, [
        ...placedEvents([ids.reservationId], [line('TEE', 2, 1_500)], { paymentIntentId: 'pi_1' }),
        { seq: 2, type: 'CONFIRMED', at: NOW.toISOString(), data: { paymentIntentId: 'pi_1' } },
      ]);
      w.finish(ids.reservationId, 'COMMITTED');
      throw new ReservationNotActiveError(ids.reservationId, 'COMMITTED');
    });

    const result = await w.placeOrder(input).catch((e: unknown) => e);

    expect(w.payments.cancel).not.toHaveBeenCalled();
    expect(result).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId, status: 'CONFIRMED' } });
  });

  it('when the order of this key exists already (its reservation committed), answers it without authorizing again', async () => {
    const confirmed = [...placedEvents([ids.reservationId], [line('TEE', 2, 1_000)]), { seq: 2, type: 'CONFIRMED' as const, at: NOW.toISOString(), data: { paymentIntentId: 'pi_old' } }];
    const w = world({
      cart: { lines: [line('TEE', 2, 1_000)] },
      orders: [{ orderId: ids.orderId, events: confirmed }],
      reservations: [reservation(ids.reservationId, [{ sku: 'TEE', quantity: 2 }], 'COMMITTED')],
    });

    const result = await w.placeOrder(input);

    expect(result).toEqual({ outcome: 'placed', order: expect.objectContaining({ orderId: ids.orderId, status: 'CONFIRMED' }) });
    expect(w.payments.authorize).not.toHaveBeenCalled();
    expect(w.placement.place).not.toHaveBeenCalled();
  });

  it('when the order of this key is still PENDING, answers its next action from the payment', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_000)] }, orders: [{ orderId: ids.orderId, events: placedEvents([ids.reservationId], [line('TEE', 2, 1_000)]) }], record: abandoned() });
    // The retry takes over the key its dead attempt left in progress, and finds the order.

    const result = await w.placeOrder(input);

    expect(result).toMatchObject({ outcome: 'requires_action', order: { status: 'PENDING' }, nextAction: { type: 'redirect_to_url', url: 'https://bank.example/3ds' } });
    expect(w.payments.get).toHaveBeenCalledExactlyOnceWith('pi_old');
    expect(w.payments.authorize).not.toHaveBeenCalled();
  });

  it('a retry after a crash that lost the answer of a placed order answers that order, though the cart is empty by now, and touches no stock or payment', async () => {
    const confirmed = [...placedEvents([ids.reservationId], [line('TEE', 2, 1_000)]), { seq: 2, type: 'CONFIRMED' as const, at: NOW.toISOString(), data: { paymentIntentId: 'pi_old' } }];
    const w = world({
      cart: { lines: [] },
      orders: [{ orderId: ids.orderId, events: confirmed }],
      reservations: [reservation(ids.reservationId, [{ sku: 'TEE', quantity: 2 }], 'COMMITTED')],
      record: abandoned(),
    });

    const result = await w.placeOrder(input);

    expect(result).toEqual({ outcome: 'placed', order: expect.objectContaining({ orderId: ids.orderId, status: 'CONFIRMED' }) });
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
    expect(w.placement.place).not.toHaveBeenCalled();
  });

  it('a retry after a crash between the order and the emptying of the cart answers the order and empties the cart', async () => {
    const lines = [line('TEE', 2, 1_000)];
    const confirmed = [...placedEvents([ids.reservationId], lines), { seq: 2, type: 'CONFIRMED' as const, at: NOW.toISOString(), data: { paymentIntentId: 'pi_old' } }];
    const w = world({ cart: { lines }, orders: [{ orderId: ids.orderId, events: confirmed }], record: abandoned() });

    expect(await w.placeOrder(input)).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId } });

    expect(w.cart.removeCheckedOut).toHaveBeenCalledExactlyOnceWith(SHOP, CUSTOMER, [{ sku: 'TEE', title: 'Title TEE', quantity: 2, unitPrice: usd(1_000), lineTotal: usd(2_000) }]);
    expect(w.calls).toEqual(['cart:emptied', 'answer:result']);
    // The answer is kept: the next retry replays it without looking for the order.
    w.orders.load.mockClear();
    expect(await w.placeOrder(input)).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId } });
    expect(w.orders.load).not.toHaveBeenCalled();
  });

  it('refuses a cart too large for one placement transaction before holding or charging anything', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => line(`SKU-${i}`, 1, 100));
    const w = world({ cart: { lines: many(49) } });

    const refused = await w.placeOrder(input).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(CartTooLargeError);
    expect(refused).toMatchObject({ code: 'cart_too_large', extra: { lines: 49, maxLines: 48 } });
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
    expect(w.cart.removeCheckedOut).not.toHaveBeenCalled();

    // One line fewer fits: the order is placed.
    const fits = world({ cart: { lines: many(48) } });
    expect(await fits.placeOrder(input)).toMatchObject({ outcome: 'placed' });
  });

  it('counts each limited-edition hold as a reservation of its own in the placement', async () => {
    const lines = Array.from({ length: 33 }, (_, i) => line(`LTD-${i}`, 1, 100, `hold-${i}`));
    const w = world({ cart: { lines }, reservations: lines.map((l) => reservation(l.holdId!, [{ sku: l.sku, quantity: 1 }])) });

    // 3 + 33 x (1 + 2) = 102 writes.
    await expect(w.placeOrder(input)).rejects.toBeInstanceOf(CartTooLargeError);
    expect(w.payments.authorize).not.toHaveBeenCalled();
  });

  it('splits the reservation ids of many holds across Stripe metadata values of at most 500 characters', async () => {
    const holdId = (i: number) => `res_cart_${String(i).padStart(22, 'x')}`;
    const lines = Array.from({ length: 25 }, (_, i) => line(`LTD-${i}`, 1, 100, holdId(i)));
    const w = world({ cart: { lines }, reservations: lines.map((l) => reservation(l.holdId!, [{ sku: l.sku, quantity: 1 }])) });

    await w.placeOrder(input);

    const metadata = w.payments.authorize.mock.calls[0]![0].metadata;
    expect(Object.keys(metadata)).toEqual(['shopId', 'orderId', 'customerId', 'reservationIds', 'reservationIds2']);
    for (const value of Object.values(metadata)) expect(value.length).toBeLessThanOrEqual(500);
    expect(reservationIdsFromMetadata(metadata)).toEqual(lines.map((l) => l.holdId));
  });

  it('a retry after a crash that finds its earlier reservation no longer ACTIVE answers checkout_expired and authorizes nothing', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, reservations: [reservation(ids.reservationId, [{ sku: 'TEE', quantity: 2 }], 'EXPIRED', 'checkout')] });

    await expect(w.placeOrder(input)).rejects.toBeInstanceOf(CheckoutExpiredError);

    expect(w.keys.reserveAndClaim).toHaveBeenCalledOnce();
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
    expect(w.events()).toEqual([]);
  });

  it('a retry after a crash that finds its earlier reservation ACTIVE reuses it and the same payment key', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, reservations: [reservation(ids.reservationId, [{ sku: 'TEE', quantity: 2 }], 'ACTIVE', 'checkout')], stock: { TEE: 0 } });

    const result = await w.placeOrder(input);

    expect(result.outcome).toBe('placed');
    expect(w.payments.authorize.mock.calls[0]![0].idempotencyKey).toBe(ids.paymentKey);
    expect(w.reservation(ids.reservationId)?.status).toBe('COMMITTED');
  });

  it('places the order even when emptying the cart fails, and logs it', async () => {
    const w = world({ cart: { lines: [line('TEE', 2, 1_500)] }, cartEmptying: 'fails' });

    const result = await w.placeOrder(input);

    expect(result).toMatchObject({ outcome: 'placed', order: { status: 'CONFIRMED' } });
    expect(w.cart.removeCheckedOut).toHaveBeenCalledOnce();
    expect(w.log).toHaveBeenCalledWith('cart not emptied after checkout', expect.objectContaining({ orderId: ids.orderId }));
  });

  it('given a won flash-sale hold, places the order on the hold without a fresh reservation and leaves the cart alone', async () => {
    const held = [line('FLASH-1', 1, 9_900)];
    const w = world({ flashSaleHold: { lines: held, reservationId: 'res_flash_1' }, reservations: [reservation('res_flash_1', [{ sku: 'FLASH-1', quantity: 1 }], 'ACTIVE', 'flash_sale')] });

    const result = await w.placeOrder({ ...input, flashSaleHoldId: 'hold_fs_1' });

    expect(w.flashSaleHolds.claim).toHaveBeenCalledExactlyOnceWith(SHOP, 'hold_fs_1', CUSTOMER);
    expect(w.reservationPort.reserve).not.toHaveBeenCalled();
    expect(w.cart.forCheckout).not.toHaveBeenCalled();
    expect(w.cart.removeCheckedOut).not.toHaveBeenCalled();
    expect(w.payments.authorize.mock.calls[0]![0]).toMatchObject({ amount: usd(9_900), metadata: { reservationIds: 'res_flash_1' } });
    expect(w.placement.place.mock.calls[0]![3]).toMatchObject({ reservationIds: ['res_flash_1'], actor: 'checkout' });
    expect(w.events()[0]!.data).toMatchObject({ source: 'flash_sale_hold', reservationIds: ['res_flash_1'] });
    expect(w.events()[0]!.data).not.toHaveProperty('ownReservationId');
    expect(w.reservation('res_flash_1')?.status).toBe('COMMITTED');
    expect(result).toMatchObject({ outcome: 'placed', order: { status: 'CONFIRMED' } });
  });

  it('on a decline of a flash-sale checkout, releases nothing: the hold stays with the sale', async () => {
    const w = world({
      flashSaleHold: { lines: [line('FLASH-1', 1, 9_900)], reservationId: 'res_flash_1' },
      reservations: [reservation('res_flash_1', [{ sku: 'FLASH-1', quantity: 1 }], 'ACTIVE', 'flash_sale')],
      authorize: async () => ({ status: 'declined', declineCode: 'card_declined', message: 'declined' }),
    });

    await expect(w.placeOrder({ ...input, flashSaleHoldId: 'hold_fs_1' })).rejects.toBeInstanceOf(PaymentDeclinedError);

    expect(w.reservationPort.release).not.toHaveBeenCalled();
    expect(w.reservation('res_flash_1')?.status).toBe('ACTIVE');
  });
});

describe("checkout's own Idempotency-Key record", () => {
  const cartLines = [line('TEE', 2, 1_500)];

  it('is claimed with the reservation and answered with the order: no call of its own', async () => {
    const w = world({ cart: { lines: cartLines } });
    const result = await w.placeOrder(input);

    expect(w.keys.reserveAndClaim).toHaveBeenCalledOnce();
    expect(w.keys.claim).not.toHaveBeenCalled();
    expect(w.keys.answer).not.toHaveBeenCalled();
    expect(w.placement.place.mock.calls[0]![3].answer).toMatchObject({ answer: { kind: 'result', result } });
    expect(w.records.get(ids.keyId)).toMatchObject({ state: 'answered', fingerprint: checkoutFingerprint(input) });
  });

  it('a retry after completion answers the same order, reserving and charging nothing more', async () => {
    const w = world({ cart: { lines: cartLines } });
    const first = await w.placeOrder(input);
    const again = await w.placeOrder(input);

    expect(again).toEqual(first);
    expect(w.keys.reserveAndClaim).toHaveBeenCalledOnce();
    expect(w.payments.authorize).toHaveBeenCalledOnce();
    expect(w.placement.place).toHaveBeenCalledOnce();
  });

  it('the same key with another body is refused (409 idempotency_conflict), touching nothing', async () => {
    const w = world({ cart: { lines: cartLines } });
    await w.placeOrder(input);

    await expect(w.placeOrder({ ...input, email: 'someone.else@example.com' })).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(w.payments.authorize).toHaveBeenCalledOnce();
  });

  it('a definite refusal is the key’s answer: a retry is refused the same way without reserving again', async () => {
    const w = world({ cart: { lines: cartLines }, authorize: async () => ({ status: 'declined', paymentIntentId: 'pi_no', declineCode: 'card_declined', message: 'Your card was declined.' }) });
    const first = await w.placeOrder(input).catch((e: unknown) => e);
    const again = await w.placeOrder(input).catch((e: unknown) => e);

    expect(first).toBeInstanceOf(PaymentDeclinedError);
    expect(again).toMatchObject({ code: 'payment_declined', message: (first as Error).message, extra: { declineCode: 'card_declined' } });
    expect(w.payments.authorize).toHaveBeenCalledOnce();
  });

  it('a failure that is no answer (the gateway unreachable) gives the key back: the retry runs at once', async () => {
    let calls = 0;
    const w = world({
      cart: { lines: cartLines },
      authorize: async () => {
        calls += 1;
        if (calls === 1) throw new PaymentUnavailableError('stripe down');
        return { status: 'authorized', paymentIntentId: 'pi_1' };
      },
    });
    await expect(w.placeOrder(input)).rejects.toBeInstanceOf(PaymentUnavailableError);
    expect(w.records.has(ids.keyId)).toBe(false);
    // The retry runs (it is not told request_in_progress); the units it held went back with the failure, as before.
    await expect(w.placeOrder(input)).rejects.toBeInstanceOf(CheckoutExpiredError);
    expect(w.records.get(ids.keyId)).toMatchObject({ state: 'answered', answer: { kind: 'refused', code: 'checkout_expired' } });
  });

  it('a record a live attempt holds is waited for, and its answer given', async () => {
    const w = world({ cart: { lines: cartLines }, record: { fingerprint: checkoutFingerprint(input), state: 'in_progress', claim: 'live', inProgressUntil: NOW.getTime() + 30_000 } });
    const placed = { outcome: 'placed' as const, order: foldOrder(SHOP, ids.orderId, [...placedEvents([ids.reservationId], cartLines)])! };
    // The live attempt answers while this one waits.
    w.keys.record.mockImplementationOnce(async () => ({ ...w.records.get(ids.keyId)!, state: 'answered', answer: { kind: 'result', result: placed } }));

    expect(await w.placeOrder(input)).toEqual(placed);
    expect(w.keys.reserveAndClaim).not.toHaveBeenCalled();
    expect(w.payments.authorize).not.toHaveBeenCalled();
  });

  it('a record in progress past its time (its process died) is taken over: the retry finishes the checkout', async () => {
    const w = world({ cart: { lines: cartLines }, record: abandoned() });

    expect(await w.placeOrder(input)).toMatchObject({ outcome: 'placed', order: { orderId: ids.orderId } });
    expect(w.records.get(ids.keyId)).toMatchObject({ state: 'answered' });
    expect(w.records.get(ids.keyId)?.claim).not.toBe('dead-attempt');
  });
});
