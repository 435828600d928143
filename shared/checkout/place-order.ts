import { createHash, randomUUID } from 'node:crypto';
import { withoutCheckedOut, type Cart } from '#shared/cart/cart';
import type { ManageCart } from '#shared/cart/manage-cart';
import { DomainError, IdempotencyConflictError, NotFoundError, RequestInProgressError } from '#shared/errors';
import { normalizeLines, OutOfStockError, ReservationNotActiveError, type Reservation } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { ConcurrentAppendError, foldOrder, type Order, type OrderEvent, type OrderPlacement, type ShippingAddress } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import { crashPoint } from '#shared/platform/crash-points';
import { pauseBeforeRetry, remainingBudgetMs } from '#shared/platform/deadline';
import { CartEmptyError, CartTooLargeError, CheckoutExpiredError, ItemsUnavailableError, PaymentDeclinedError } from './checkout-errors';
import {
  KeyTakenOverError,
  type CheckoutAnswer,
  type CheckoutKeyClaim,
  type CheckoutKeyRecord,
  type CheckoutKeys,
  type FlashSaleHolds,
  type OrderHeader,
  type OrderPlacementStore,
  type PlaceOrderResult,
  type StockSource,
} from './checkout-ports';
import type { PaymentGateway } from './payment-gateway';
import { reservationIdsMetadata } from './payment-metadata';
import { now as platformNow } from '#shared/platform/clock';

export type { PlaceOrderResult };

/**
 * The checkout saga (architecture.md, "Checkout saga"). It keeps its own Idempotency-Key
 * record (the HTTP edge is told so) and pays no call of its own for it: the record is read
 * with the cart, claimed in the reservation's transaction and answered in the order's.
 * A replay answers the first answer; a record in progress is waited for, or taken over once
 * a process that died left it past the function's timeout and a margin. Then, marked
 * `Step n` below:
 *   1. the key's record, read with the cart: answered (replay), in progress (wait), other body (409);
 *   2. the stock source (cart or flash-sale hold); a cart too large for one placement
 *      transaction is refused (422) before anything is held or charged;
 *   3. reserve every line, all or nothing, and claim the key (out of stock: 409, nothing held);
 *   4. authorize the amount with a manual-capture PaymentIntent (declined: release, 402;
 *      3-D Secure: a PENDING order, the stock held until the webhook or the expiry settles it);
 *   5. append PENDING + CONFIRMED, commit the reservations, answer the key and empty the
 *      cart, in one transaction.
 * Every id is derived from (shop, customer, Idempotency-Key), so a retry after a crash at
 * any step finds the same reservation, the same PaymentIntent and the same order instead
 * of making new ones; what a crash leaves half-done the reconciler settles. A definite
 * refusal (out of stock, declined, ...) is kept as the key's answer too.
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

export interface PlaceOrderDeps {
  readonly cart: Pick<ManageCart, 'forCheckout' | 'removeCheckedOut'>;
  readonly reservations: Pick<Reservations, 'release' | 'get'>;
  readonly keys: CheckoutKeys;
  readonly payments: PaymentGateway;
  readonly orders: Pick<OrderStore, 'load'>;
  readonly placement: OrderPlacementStore;
  readonly flashSaleHolds: FlashSaleHolds;
  /** How long checkout's own reservation holds its units. */
  readonly reservationSeconds: number;
  /** How long a claim stays in progress if its process dies: the function's timeout and a margin. */
  readonly inProgressMs: number;
  /** How long a duplicate waits for a live first attempt's answer, at most (its invocation's budget cuts it shorter). */
  readonly waitForAnswerMs: number;
  readonly clock?: () => Date;
  readonly log?: (message: string, details: Record<string, unknown>) => void;
}

/** The ids of one checkout attempt: the same inputs always give the same ids. */
export function checkoutIds(shopId: string, customerId: string, idempotencyKey: string) {
  const ref = createHash('sha256').update(`${shopId}\n${customerId}\n${idempotencyKey}`).digest('base64url').slice(0, 22).replace(/[-_]/g, 'x');
  return { orderId: `ord_${ref}`, reservationId: `res_chk_${ref}`, paymentKey: `checkout_${ref}`, keyId: ref };
}

/** The request body's fingerprint: the same key with another body is refused. */
export function checkoutFingerprint(input: PlaceOrderInput): string {
  const { paymentMethodId, shippingAddress, email, flashSaleHoldId } = input;
  return createHash('sha256')
    .update(JSON.stringify({ paymentMethodId, shippingAddress, email, flashSaleHoldId: flashSaleHoldId ?? null }))
    .digest('base64url');
}

/** The refusals that are the checkout's answer, kept for a retry with the key; any other failure lets the retry run again. */
const REFUSALS = [PaymentDeclinedError, OutOfStockError, CartEmptyError, ItemsUnavailableError, CartTooLargeError, CheckoutExpiredError, NotFoundError];
const isRefusal = (error: unknown): error is DomainError => REFUSALS.some((type) => error instanceof type);

/** Another attempt holds the key: wait for its answer. */
const KEY_TAKEN = Symbol('key taken');

/** A placement appends PENDING and CONFIRMED. */
const PLACEMENT_EVENTS = 2;

export function makePlaceOrder(deps: PlaceOrderDeps) {
  const { cart, reservations, keys, payments, orders, placement, flashSaleHolds, clock = platformNow, log = () => {} } = deps;

  async function stockSource(input: PlaceOrderInput, read: { readonly stored: Cart | undefined } | undefined): Promise<StockSource & { readonly cart?: Cart }> {
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
    const { cart: current, lines, unavailable } = await cart.forCheckout(input.shopId, input.customerId, read);
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
      cart: current,
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

  /** The answer kept in a record, answered again. */
  function replay(answer: CheckoutAnswer): PlaceOrderResult {
    if (answer.kind === 'result') return answer.result;
    throw new DomainError(answer.code, answer.message, answer.extra);
  }

  /**
   * What the key's record says to do: `run` (no record, or one a dead process left in
   * progress past its time), `wait` (a live attempt holds it), or the answer to give.
   */
  function verdict(record: CheckoutKeyRecord | undefined, fingerprint: string): 'run' | 'wait' | { readonly answer: CheckoutAnswer } {
    if (!record) return 'run';
    if (record.fingerprint !== fingerprint) throw new IdempotencyConflictError('This Idempotency-Key was already used with a different request body. Use a new key for a new request.');
    if (record.state === 'answered' && record.answer) return { answer: record.answer };
    return record.inProgressUntil < clock().getTime() ? 'run' : 'wait';
  }

  /** One attempt with the key claimed along the way; KEY_TAKEN when another attempt holds it first. */
  async function attempt(
    input: PlaceOrderInput,
    claim: CheckoutKeyClaim,
    held: { claimed: boolean },
    read: { readonly stored: Cart | undefined } | undefined,
    takeover: boolean,
  ): Promise<PlaceOrderResult | typeof KEY_TAKEN> {
    const { shopId, customerId } = input;
    const ids = checkoutIds(shopId, customerId, input.idempotencyKey);
    const claimAlone = async () => {
      if (!held.claimed) held.claimed = await keys.claim(claim);
      return held.claimed;
    };

    if (takeover) {
      // A process that died left the key in progress: if it got as far as the order, that
      // order is the answer (the cart emptied now if it died first).
      const placed = await orders.load(shopId, ids.orderId);
      if (placed) return (await claimAlone()) ? answered(claim, await answerPlacedEarlier(placed)) : KEY_TAKEN;
    }

    // Step 2: where the units come from, and whether one transaction can place them.
    const source = await stockSource(input, read);
    assertPlaceable(source);

    // Step 3: reserve every line that is not held yet, all or nothing, claiming the key in the same write.
    let ownReservationId: string | undefined;
    const known: Reservation[] = [...source.heldReservations];
    if (source.toReserve.length > 0) {
      const now = clock();
      const wanted: Reservation = {
        shopId,
        reservationId: ids.reservationId,
        lines: normalizeLines(source.toReserve),
        status: 'ACTIVE',
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + deps.reservationSeconds * 1000).toISOString(),
        source: 'checkout',
        reference: ids.orderId,
      };
      const reserved = held.claimed ? { outcome: 'reservation_exists' as const } : await keys.reserveAndClaim(wanted, claim);
      if (reserved.outcome === 'key_taken') return KEY_TAKEN;
      if (reserved.outcome === 'reserved') {
        held.claimed = true;
        ownReservationId = wanted.reservationId;
        known.push(wanted);
      } else {
        // An attempt with this key that died made it: claim the key alone, then go on with it if it still holds.
        if (!(await claimAlone())) return KEY_TAKEN;
        const existing = await reservations.get(shopId, ids.reservationId);
        if (existing?.status !== 'ACTIVE') {
          // It got as far as the order (answer it), or its stock went back meanwhile.
          const placed = await orders.load(shopId, ids.orderId);
          if (placed) return answered(claim, await resultOf(placed, payments));
          throw new CheckoutExpiredError();
        }
        ownReservationId = existing.reservationId;
        known.push(existing);
      }
    } else if (!(await claimAlone())) {
      return KEY_TAKEN;
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
    const now = clock();
    const at = now.toISOString();
    const order: OrderHeader = { shopId, orderId: ids.orderId, customerId, total: subtotal, createdAt: at };
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
    const pending: OrderEvent = { seq: 1, type: 'PENDING', at, data: placementData as unknown as Record<string, unknown> };
    // The customer must authenticate (3-D Secure): the order waits, holding its stock until it expires.
    const waiting = authorization.status === 'requires_action';
    const events = waiting ? [pending] : [pending, confirmedEvent(pending, placementData)];
    const result: PlaceOrderResult =
      authorization.status === 'requires_action'
        ? { outcome: 'requires_action', order: foldOrder(shopId, ids.orderId, events)!, nextAction: authorization.nextAction }
        : { outcome: 'placed', order: foldOrder(shopId, ids.orderId, events)! };
    const emptied = source.cart ? { next: withoutCheckedOut(source.cart, source.lines, now), expectedVersion: source.cart.version } : undefined;

    // Step 5: the order's events, the commit of its reservations, the key's answer and the cart emptied, in one transaction.
    let written: { readonly cartSaved: boolean; readonly answered: boolean };
    try {
      written = await placement.place(order, 0, events, {
        reservationIds: waiting ? [] : reservationIds,
        actor: 'checkout',
        known,
        answer: { claim, answer: { kind: 'result', result } },
        ...(emptied ? { cart: emptied } : {}),
      });
    } catch (error) {
      if (error instanceof KeyTakenOverError) return KEY_TAKEN;
      if (error instanceof ConcurrentAppendError) {
        // Another attempt with this key placed it first: answer that order.
        const placed = await orders.load(shopId, ids.orderId);
        if (placed) return answered(claim, await resultOf(placed, payments));
      }
      if (error instanceof ReservationNotActiveError) {
        // A twin request with this key may have placed the order with these very reservations.
        const placed = await orders.load(shopId, ids.orderId);
        if (placed) return answered(claim, await resultOf(placed, payments));
        // The stock was released while the payment was authorized: void it, keep nothing.
        await payments.cancel(authorization.paymentIntentId, { idempotencyKey: `${ids.paymentKey}:expired`, reason: 'abandoned' });
        await releaseOwn(shopId, ownReservationId);
        log('checkout expired before the order was written', { orderId: ids.orderId });
        throw new CheckoutExpiredError();
      }
      throw error;
    }
    // The cart changed since it was read: empty it now (a failure here never undoes the order).
    // A placement at the transaction's limit had no room for the answer: kept now (a crash
    // before leaves the order, which the retry that takes the key over finds and answers).
    if (!written.answered) await answered(claim, result);
    if (!written.cartSaved) await source.afterPlaced().catch((error: unknown) => log('cart not emptied after checkout', { orderId: ids.orderId, error: String(error) }));
    crashPoint('checkout.placed');
    return result;
  }

  /** The answer for an order an earlier attempt with this key placed, whose own answer was lost: the order, and the cart emptied if that attempt died first. */
  async function answerPlacedEarlier(order: Order): Promise<PlaceOrderResult> {
    if (order.placement.source === 'cart') {
      await cart
        .removeCheckedOut(order.shopId, order.placement.customerId, order.placement.lines)
        .catch((error: unknown) => log('cart not emptied after a retried checkout', { orderId: order.orderId, error: String(error) }));
    }
    return resultOf(order, payments);
  }

  /** An answer found for an order placed already, kept in the key's record (best effort: the order answers a retry anyway). */
  async function answered(claim: CheckoutKeyClaim, result: PlaceOrderResult): Promise<PlaceOrderResult> {
    await keys.answer(claim, { kind: 'result', result }, { claimed: true }).catch((error: unknown) => log('checkout answer not kept', { orderId: result.order.orderId, error: String(error) }));
    return result;
  }

  return async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const { shopId, customerId } = input;
    const ids = checkoutIds(shopId, customerId, input.idempotencyKey);
    const fingerprint = checkoutFingerprint(input);

    // Step 1: the key's record, read with the cart.
    const opened = await keys.open(ids.keyId, input.flashSaleHoldId ? undefined : { shopId, customerId });
    let record = opened.record;
    let read: { readonly stored: Cart | undefined } | undefined = input.flashSaleHoldId ? undefined : { stored: opened.cart };
    const budget = remainingBudgetMs();
    const deadline = Date.now() + Math.min(deps.waitForAnswerMs, budget ?? Number.POSITIVE_INFINITY);
    for (let wait = 1; ;) {
      const next = verdict(record, fingerprint);
      if (typeof next === 'object') return replay(next.answer);
      if (next === 'run') {
        const at = clock().getTime();
        const claim: CheckoutKeyClaim = { keyId: ids.keyId, fingerprint, claim: randomUUID(), at, inProgressUntil: at + deps.inProgressMs };
        const held = { claimed: false };
        try {
          const outcome = await attempt(input, claim, held, read, record !== undefined);
          if (outcome !== KEY_TAKEN) return outcome;
        } catch (error) {
          if (!isRefusal(error)) {
            if (held.claimed) await keys.release(claim).catch((failure: unknown) => log('checkout key not released', { orderId: ids.orderId, error: String(failure) }));
            throw error;
          }
          // A definite refusal is the key's answer; when another attempt holds the key, its answer is.
          if (await keys.answer(claim, { kind: 'refused', code: error.code, message: error.message, extra: error.extra }, { claimed: held.claimed })) throw error;
        }
        read = undefined; // read the cart again if this attempt runs again
      }
      if (!(await pauseBeforeRetry(wait++, { baseMs: 50, maxMs: 500, deadline }))) throw new RequestInProgressError();
      record = await keys.record(ids.keyId);
    }
  };
}

const confirmedEvent = (pending: OrderEvent, placement: OrderPlacement): OrderEvent => ({ seq: 2, type: 'CONFIRMED', at: pending.at, data: confirmationData(placement) });

/**
 * What the confirmation says for its consumers: the payment, where the units came from, and
 * the receipt the confirmation email is written from (so the email consumer reads nothing).
 */
export function confirmationData(placement: OrderPlacement): Record<string, unknown> {
  const units = placement.lines.reduce((sum, line) => sum + line.quantity, 0);
  const { email, lines, totals, shippingAddress } = placement;
  return {
    paymentIntentId: placement.paymentIntentId,
    source: placement.source,
    ...(placement.flashSaleId ? { flashSaleId: placement.flashSaleId, units } : {}),
    receipt: { email, lines, totals, shippingAddress },
  };
}

/** The answer for an order that already exists (a retried checkout). */
async function resultOf(order: Order, payments: PaymentGateway): Promise<PlaceOrderResult> {
  if (order.status !== 'PENDING') return { outcome: 'placed', order };
  const payment = await payments.get(order.placement.paymentIntentId);
  return { outcome: 'requires_action', order, nextAction: payment.nextAction ?? { type: 'use_stripe_sdk' } };
}

export type PlaceOrder = ReturnType<typeof makePlaceOrder>;
