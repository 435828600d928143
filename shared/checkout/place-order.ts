import { createHash } from 'node:crypto';
import type { ManageCart } from '#shared/cart/manage-cart';
import { ReservationNotActiveError, type Reservation } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { ConcurrentAppendError, foldOrder, type Order, type OrderEvent, type OrderPlacement, type ShippingAddress } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import { crashPoint } from '#shared/platform/crash-points';
import { CartEmptyError, CartTooLargeError, CheckoutExpiredError, ItemsUnavailableError, PaymentDeclinedError } from './checkout-errors';
import type { FlashSaleHolds, OrderHeader, OrderPlacementStore, StockSource } from './checkout-ports';
import type { PaymentGateway } from './payment-gateway';
import { reservationIdsMetadata } from './payment-metadata';
import { now as platformNow } from '#shared/platform/clock';

/**
 * The checkout saga (architecture.md, "Checkout saga"). The Idempotency-Key is recorded at
 * the HTTP edge (a replay answers the first response; a record left in progress by a dead
 * process expires after the function's timeout), then, marked `Step n` below:
 *   1. the order of this key, if an earlier attempt placed it, is the answer;
 *   2. the stock source (cart or flash-sale hold); a cart too large for one placement
 *      transaction is refused (422) before anything is held or charged;
 *   3. reserve every line, all or nothing (out of stock: 409, nothing held);
 *   4. authorize the amount with a manual-capture PaymentIntent (declined: release, 402;
 *      3-D Secure: a PENDING order, the stock held until the webhook or the expiry settles it);
 *   5. append PENDING + CONFIRMED and commit the reservations in one transaction;
 *   6. empty the cart.
 * Every id is derived from (shop, customer, Idempotency-Key), so a retry after a crash at
 * any step finds the same reservation, the same PaymentIntent and the same order instead
 * of making new ones; what a crash leaves half-done the reconciler settles.
 */
export interface PlaceOrderInput {
  readonly shopId: string;
  readonly customerId: string;
  readonly idempotencyKey: string;
  readonly paymentMethodId: string;
  readonly shippingAddress: ShippingAddress;
  readonly email: string;
  readonly flashSaleHoldId?: string;
}

export type PlaceOrderResult =
  { readonly outcome: 'placed'; readonly order: Order } | { readonly outcome: 'requires_action'; readonly order: Order; readonly nextAction: { readonly type: string; readonly url?: string } };

export interface PlaceOrderDeps {
  readonly cart: Pick<ManageCart, 'forCheckout' | 'removeCheckedOut'>;
  readonly reservations: Pick<Reservations, 'reserve' | 'release' | 'get'>;
  readonly payments: PaymentGateway;
  readonly orders: Pick<OrderStore, 'load' | 'append'>;
  readonly placement: OrderPlacementStore;
  readonly flashSaleHolds: FlashSaleHolds;
  readonly clock?: () => Date;
  readonly log?: (message: string, details: Record<string, unknown>) => void;
}

/** The ids of one checkout attempt: the same inputs always give the same ids. */
export function checkoutIds(shopId: string, customerId: string, idempotencyKey: string) {
  const ref = createHash('sha256').update(`${shopId}\n${customerId}\n${idempotencyKey}`).digest('base64url').slice(0, 22).replace(/[-_]/g, 'x');
  return { orderId: `ord_${ref}`, reservationId: `res_chk_${ref}`, paymentKey: `checkout_${ref}` };
}

/** A placement appends PENDING and CONFIRMED. */
const PLACEMENT_EVENTS = 2;

export function makePlaceOrder(deps: PlaceOrderDeps) {
  const { cart, reservations, payments, orders, placement, flashSaleHolds, clock = platformNow, log = () => {} } = deps;

  async function stockSource(input: PlaceOrderInput): Promise<StockSource> {
    if (input.flashSaleHoldId) {
      const holdId = input.flashSaleHoldId;
      const hold = await flashSaleHolds.claim(input.shopId, holdId, input.customerId);
      // Exactly the held units; the cart is left as it is.
      return {
        kind: 'flash_sale_hold',
        flashSaleId: hold.saleId,
        lines: hold.lines,
        heldReservations: [],
        heldReservationIds: [hold.reservationId],
        toReserve: [],
        afterPlaced: async () => {},
        afterDeclined: () => flashSaleHolds.release(input.shopId, holdId),
      };
    }
    const { lines, unavailable } = await cart.forCheckout(input.shopId, input.customerId);
    if (unavailable.length > 0) throw new ItemsUnavailableError(unavailable);
    if (lines.length === 0) throw new CartEmptyError();
    // A limited edition's hold counts only while it still holds exactly the line's units.
    const held = await Promise.all(
      lines.map(async (line) => {
        if (!line.holdId) return undefined;
        const hold = await reservations.get(input.shopId, line.holdId);
        const holds = hold?.status === 'ACTIVE' && hold.lines.length === 1 && hold.lines[0]!.sku === line.sku && hold.lines[0]!.quantity === line.quantity;
        return holds ? hold : undefined;
      }),
    );
    const heldReservations = held.filter((r): r is Reservation => r !== undefined);
    return {
      kind: 'cart',
      lines,
      heldReservations,
      heldReservationIds: heldReservations.map((r) => r.reservationId),
      toReserve: lines.filter((_, i) => held[i] === undefined).map(({ sku, quantity }) => ({ sku, quantity })),
      afterPlaced: () => cart.removeCheckedOut(input.shopId, input.customerId, lines),
      afterDeclined: async () => {}, // the cart's holds stay with the cart
    };
  }

  /** Gives back the units this checkout reserved itself (a hold stays with its cart or sale). */
  async function releaseOwn(shopId: string, reservationId: string | undefined): Promise<void> {
    if (!reservationId) return;
    await reservations.release(shopId, reservationId, 'checkout').catch((error: unknown) => {
      if (!(error instanceof ReservationNotActiveError)) throw error;
    });
  }

  /** The most lines one order can place (its own reservation holding them all), for the refusal's message. */
  function maxLines(): number {
    let lines = 0;
    const plan = (n: number) => ({ events: PLACEMENT_EVENTS, reservations: [{ lines: Array.from({ length: n }, (_, i) => ({ sku: `sku${i}`, quantity: 1 })) }] });
    while (lines < 1_000 && placement.fits(plan(lines + 1))) lines += 1;
    return lines;
  }

  /** Refuses, before anything is held or charged, a cart whose order could not be written in one transaction. */
  function assertPlaceable(source: StockSource): void {
    const reservationsToCommit =
      source.kind === 'flash_sale_hold'
        ? [{ lines: source.lines, fromGate: true }]
        : [...source.heldReservations.map((r) => ({ lines: r.lines })), ...(source.toReserve.length > 0 ? [{ lines: source.toReserve }] : [])];
    if (!placement.fits({ events: PLACEMENT_EVENTS, reservations: reservationsToCommit })) throw new CartTooLargeError(source.lines.length, maxLines());
  }

  /**
   * The answer for an order an earlier attempt with this key placed, whose own answer was
   * lost (its process died): the order, and the cart emptied if that attempt died first.
   */
  async function answerPlacedEarlier(order: Order): Promise<PlaceOrderResult> {
    if (order.placement.source === 'cart') {
      await cart
        .removeCheckedOut(order.shopId, order.placement.customerId, order.placement.lines)
        .catch((error: unknown) => log('cart not emptied after a retried checkout', { orderId: order.orderId, error: String(error) }));
    }
    return resultOf(order, payments);
  }

  return async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const { shopId, customerId } = input;
    const ids = checkoutIds(shopId, customerId, input.idempotencyKey);

    // Step 1: a retry whose first attempt got as far as the order answers that order (the
    // cart is empty by now, or the hold committed, so nothing else could answer it).
    const placedEarlier = await orders.load(shopId, ids.orderId);
    if (placedEarlier) return answerPlacedEarlier(placedEarlier);

    // Step 2: where the units come from, and whether one transaction can place them.
    const source = await stockSource(input);
    assertPlaceable(source);

    // Step 3: reserve every line that is not held yet, all or nothing.
    let ownReservationId: string | undefined;
    const known: Reservation[] = [...source.heldReservations];
    if (source.toReserve.length > 0) {
      const reservation = await reservations.reserve({ shopId, lines: source.toReserve, source: 'checkout', reference: ids.orderId, reservationId: ids.reservationId });
      if (reservation.status !== 'ACTIVE') {
        // This attempt ran before: it got as far as the order (answer it), or its stock went back meanwhile.
        const existing = await orders.load(shopId, ids.orderId);
        if (existing) return resultOf(existing, payments);
        throw new CheckoutExpiredError();
      }
      ownReservationId = reservation.reservationId;
      known.push(reservation);
    }
    const reservationIds = [...source.heldReservationIds, ...(ownReservationId ? [ownReservationId] : [])];

    // Step 4: authorize the amount (the same PaymentIntent for every attempt with this key).
    const currency = source.lines[0]!.unitPrice.currency;
    const subtotal = { amount: source.lines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency };
    let authorization;
    try {
      authorization = await payments.authorize({
        amount: subtotal,
        paymentMethodId: input.paymentMethodId,
        idempotencyKey: ids.paymentKey,
        metadata: { shopId, orderId: ids.orderId, customerId, ...reservationIdsMetadata(reservationIds) },
        description: `Order ${ids.orderId}`,
        receiptEmail: input.email,
      });
    } catch (error) {
      // Unreachable or refused: nothing is owed. A PaymentIntent that was created anyway
      // has no order and a released reservation, which is what the reconciler voids.
      await releaseOwn(shopId, ownReservationId);
      throw error;
    }
    if (authorization.status === 'declined') {
      await releaseOwn(shopId, ownReservationId);
      await source.afterDeclined();
      throw new PaymentDeclinedError(authorization.declineCode, authorization.message);
    }

    crashPoint('checkout.authorized');
    const now = clock().toISOString();
    const order: OrderHeader = { shopId, orderId: ids.orderId, customerId, total: subtotal, createdAt: now };
    const placementData: OrderPlacement = {
      customerId,
      email: input.email,
      lines: source.lines.map(({ sku, title, quantity, unitPrice, lineTotal }) => ({ sku, title, quantity, unitPrice, lineTotal })),
      totals: { subtotal, total: subtotal },
      shippingAddress: input.shippingAddress,
      source: source.kind,
      reservationIds,
      ...(ownReservationId ? { ownReservationId } : {}),
      ...(source.flashSaleId ? { flashSaleId: source.flashSaleId } : {}),
      paymentIntentId: authorization.paymentIntentId,
    };
    const pending: OrderEvent = { seq: 1, type: 'PENDING', at: now, data: placementData as unknown as Record<string, unknown> };

    // Step 5: the order's events and the commit of its reservations, in one transaction.
    try {
      if (authorization.status === 'requires_action') {
        // The customer must authenticate: the order waits, holding its stock until it expires.
        await orders.append(order, 0, [pending]);
        await source.afterPlaced().catch((error: unknown) => log('cart not emptied after checkout', { orderId: ids.orderId, error: String(error) }));
        return { outcome: 'requires_action', order: foldOrder(shopId, ids.orderId, [pending])!, nextAction: authorization.nextAction };
      }
      await placement.place(order, 0, [pending, confirmedEvent(pending, placementData)], { reservationIds, actor: 'checkout', known });
    } catch (error) {
      if (error instanceof ConcurrentAppendError) {
        // Another request with this key placed it first: answer that order.
        const placed = await orders.load(shopId, ids.orderId);
        if (placed) return resultOf(placed, payments);
      }
      if (error instanceof ReservationNotActiveError) {
        // A twin request with this key may have placed the order with these very reservations.
        const placed = await orders.load(shopId, ids.orderId);
        if (placed) return resultOf(placed, payments);
        // The stock was released while the payment was authorized: void it, keep nothing.
        await payments.cancel(authorization.paymentIntentId, { idempotencyKey: `${ids.paymentKey}:expired`, reason: 'abandoned' });
        await releaseOwn(shopId, ownReservationId);
        log('checkout expired before the order was written', { orderId: ids.orderId });
        throw new CheckoutExpiredError();
      }
      throw error;
    }
    // Step 6: empty the cart (a failure here never undoes the order; a retry empties it).
    await source.afterPlaced().catch((error: unknown) => log('cart not emptied after checkout', { orderId: ids.orderId, error: String(error) }));
    crashPoint('checkout.placed');
    return { outcome: 'placed', order: foldOrder(shopId, ids.orderId, [pending, confirmedEvent(pending, placementData)])! };
  };
}

const confirmedEvent = (pending: OrderEvent, placement: OrderPlacement): OrderEvent => ({ seq: 2, type: 'CONFIRMED', at: pending.at, data: confirmationData(placement) });

/** What the confirmation says for its consumers: the payment, where the units came from. */
export function confirmationData(placement: OrderPlacement): Record<string, unknown> {
  const units = placement.lines.reduce((sum, line) => sum + line.quantity, 0);
  return { paymentIntentId: placement.paymentIntentId, source: placement.source, ...(placement.flashSaleId ? { flashSaleId: placement.flashSaleId, units } : {}) };
}

/** The answer for an order that already exists (a retried checkout). */
async function resultOf(order: Order, payments: PaymentGateway): Promise<PlaceOrderResult> {
  if (order.status !== 'PENDING') return { outcome: 'placed', order };
  const payment = await payments.get(order.placement.paymentIntentId);
  return { outcome: 'requires_action', order, nextAction: payment.nextAction ?? { type: 'use_stripe_sdk' } };
}

export type PlaceOrder = ReturnType<typeof makePlaceOrder>;
