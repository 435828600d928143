import { createHash } from 'node:crypto';
import type { ManageCart } from '#shared/cart/manage-cart';
import { ReservationNotActiveError, type Reservation } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { ConcurrentAppendError, foldOrder, type Order, type OrderEvent, type OrderPlacement, type ShippingAddress } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import { crashPoint } from '#shared/platform/crash-points';
import { CartEmptyError, CheckoutExpiredError, ItemsUnavailableError, PaymentDeclinedError } from './checkout-errors';
import type { FlashSaleHolds, OrderHeader, OrderPlacementStore, StockSource } from './checkout-ports';
import type { PaymentGateway } from './payment-gateway';

/**
 * The checkout saga (architecture.md, "Checkout saga"):
 *   1. the Idempotency-Key is recorded at the HTTP edge (a replay answers the first response);
 *   2. reserve every line, all or nothing (out of stock: 409, nothing held);
 *   3. authorize the amount with a manual-capture PaymentIntent (declined: release, 402;
 *      3-D Secure: a PENDING order, the stock held until the webhook or the expiry settles it);
 *   4. append PENDING + CONFIRMED and commit the reservations in one transaction;
 *   5. empty the cart.
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
  | { readonly outcome: 'placed'; readonly order: Order }
  | { readonly outcome: 'requires_action'; readonly order: Order; readonly nextAction: { readonly type: string; readonly url?: string } };

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

export function makePlaceOrder(deps: PlaceOrderDeps) {
  const { cart, reservations, payments, orders, placement, flashSaleHolds, clock = () => new Date(), log = () => {} } = deps;

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

  return async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const { shopId, customerId } = input;
    const ids = checkoutIds(shopId, customerId, input.idempotencyKey);

    const source = await stockSource(input);
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

    const currency = source.lines[0]!.unitPrice.currency;
    const subtotal = { amount: source.lines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency };
    let authorization;
    try {
      authorization = await payments.authorize({
        amount: subtotal,
        paymentMethodId: input.paymentMethodId,
        idempotencyKey: ids.paymentKey,
        metadata: { shopId, orderId: ids.orderId, customerId, reservationIds: reservationIds.join(',') },
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
