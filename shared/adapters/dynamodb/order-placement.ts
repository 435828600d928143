import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cart } from '#shared/cart/cart';
import { KeyTakenOverError, type CheckoutAnswer, type CheckoutKeyClaim, type OrderPlacementStore, type PlacementPlan } from '#shared/checkout/checkout-ports';
import { NotFoundError } from '#shared/errors';
import { ReservationNotActiveError } from '#shared/inventory/reservations';
import { ConcurrentAppendError, type OrderEvent } from '#shared/orders/order';
import { pauseBeforeRetry } from '#shared/platform/deadline';
import type { dynamoOrderStore } from './order-store';
import { TRANSACTION_CONFLICT_BACKOFF, TRANSACTION_CONFLICT_RETRIES, type DynamoReservationRepository } from './reservation-repository';
import { transactWrite, type TransactItems } from './transact-items';

/** The writes a checkout adds to its placement: its key's answer, and the cart emptied (from their own adapters). */
export interface PlacementExtraWrites {
  readonly answerWrite: (claim: CheckoutKeyClaim, answer: CheckoutAnswer) => NonNullable<TransactItems[number]['Update']>;
  readonly cartWrite: (cart: Cart, expectedVersion: number) => NonNullable<TransactItems[number]['Put']>;
}

/**
 * An order's events and the commit of its reservations as one DynamoDB transaction across
 * the orders and inventory tables: each repository contributes its own writes (and keeps
 * its key layout to itself); this adapter only puts them in one TransactWriteItems.
 * DynamoDB takes at most 100 writes in one transaction: 2 events + summary + per reservation
 * 1 + 2 per line (3 with a flash sale's gate), so `fits` counts them, from the repositories'
 * own writes, before checkout reserves or charges anything.
 */
export const MAX_TRANSACTION_ITEMS = 100;

export function dynamoOrderPlacement(
  documents: DynamoDBDocumentClient,
  orders: Pick<ReturnType<typeof dynamoOrderStore>, 'appendWrites' | 'load'>,
  reservations: Pick<DynamoReservationRepository, 'get' | 'finishWrites'>,
  extraWrites?: PlacementExtraWrites,
): OrderPlacementStore {
  /** The writes of a placement of this shape, counted with the repositories' own builders. */
  function writesOf(plan: PlacementPlan): number {
    const at = new Date(0).toISOString();
    const header = { shopId: 'count', orderId: 'count', customerId: 'count', total: { amount: 0, currency: 'USD' }, createdAt: at };
    const events = Array.from({ length: plan.events }, (_, i): OrderEvent => ({ seq: i + 1, type: i === 0 ? 'PENDING' : 'CONFIRMED', at, data: {} }));
    const commits = plan.reservations.map(
      (r, i) =>
        reservations.finishWrites(
          { shopId: 'count', reservationId: `count${i}`, lines: r.lines, status: 'ACTIVE', expiresAt: at, createdAt: at, source: 'checkout', ...(r.fromGate ? { fromGate: true } : {}) },
          'COMMITTED',
          'checkout',
          at,
        ).length,
    );
    return orders.appendWrites(header, 0, events).length + commits.reduce((sum, n) => sum + n, 0);
  }

  return {
    fits: (plan) => writesOf(plan) <= MAX_TRANSACTION_ITEMS,

    async place(order, expectedSeq, events, { reservationIds, actor, known = [], answer, cart }) {
      const at = events[events.length - 1]?.at ?? new Date().toISOString();
      const given = new Map(known.filter((r) => r.status === 'ACTIVE').map((r) => [r.reservationId, r]));
      const held = await Promise.all(reservationIds.map((id) => given.get(id) ?? reservations.get(order.shopId, id)));
      if (held.some((reservation) => reservation?.status !== 'ACTIVE')) {
        // Another writer of this very order (a twin request) may have committed them: that is
        // a lost race on the order, not a reservation gone.
        const current = await orders.load(order.shopId, order.orderId);
        if (current && current.events.length > expectedSeq) throw new ConcurrentAppendError(order.orderId);
      }
      const commits = held.map((reservation, i) => {
        if (!reservation) throw new NotFoundError(`Reservation ${reservationIds[i]} does not exist.`);
        if (reservation.status !== 'ACTIVE') throw new ReservationNotActiveError(reservation.reservationId, reservation.status);
        return reservation;
      });
      if ((answer || cart) && !extraWrites) throw new Error('This placement store was built without the writes of a checkout key and cart.');
      const appends = orders.appendWrites(order, expectedSeq, events);
      const core = [...appends, ...commits.flatMap((r) => reservations.finishWrites(r, 'COMMITTED', actor, at))];
      // A placement at the transaction's limit leaves the cart out, then the answer (the caller writes them after).
      const answerItems = answer && core.length < MAX_TRANSACTION_ITEMS ? [{ Update: extraWrites!.answerWrite(answer.claim, answer.answer) }] : [];
      const claimOf = answer?.claim;
      let withCart = cart !== undefined && core.length + answerItems.length < MAX_TRANSACTION_ITEMS;
      for (let attempt = 0; ; attempt++) {
        const items: TransactItems = [...core, ...answerItems, ...(withCart && cart ? [{ Put: extraWrites!.cartWrite(cart.next, cart.expectedVersion) }] : [])];
        try {
          await transactWrite(documents, items);
          return { cartSaved: withCart, answered: answerItems.length > 0 };
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const failedAt = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
          if (reasons.slice(0, appends.length).some((r) => r.Code === 'ConditionalCheckFailed')) throw new ConcurrentAppendError(order.orderId);
          if (claimOf && answerItems.length > 0 && failedAt(core.length)) throw new KeyTakenOverError(claimOf.keyId);
          // The cart changed since it was read: place the order without it (the caller empties it after).
          if (withCart && failedAt(core.length + answerItems.length) && !reasons.slice(0, core.length).some((r) => r.Code === 'ConditionalCheckFailed')) {
            withCart = false;
            continue;
          }
          if (reasons.some((r) => r.Code === 'TransactionConflict') && attempt < TRANSACTION_CONFLICT_RETRIES && (await pauseBeforeRetry(attempt + 1, TRANSACTION_CONFLICT_BACKOFF))) continue;
          const current = await orders.load(order.shopId, order.orderId);
          if (current && current.events.length > expectedSeq) throw new ConcurrentAppendError(order.orderId);
          // A reservation finished meanwhile (expired, released): say which.
          for (const reservation of commits) {
            const now = await reservations.get(order.shopId, reservation.reservationId);
            if (now && now.status !== 'ACTIVE') throw new ReservationNotActiveError(now.reservationId, now.status);
          }
          throw error;
        }
      }
    },
  };
}
