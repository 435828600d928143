import type { Cart } from '#shared/cart/cart';
import type { CheckoutLine } from '#shared/cart/manage-cart';
import type { Reservation } from '#shared/inventory/reservations';
import type { Order, OrderEvent } from '#shared/orders/order';
import type { OrderHeader } from '#shared/orders/order-ports';

export type { OrderHeader };

/**
 * Placing an order and taking its stock are one fact: the order's events are appended and
 * its reservations committed (reserved → sold) in one transaction, or neither happens.
 * So a crash can never leave a confirmed order without stock, or sold stock without an order.
 */
export interface OrderPlacementStore {
  /**
   * Appends `events` (numbered expectedSeq + 1, …) and commits every reservation of
   * `reservationIds`. ReservationNotActiveError when one of them is no longer ACTIVE
   * (expired or released meanwhile), ConcurrentAppendError when the order moved meanwhile.
   */
  place(
    order: OrderHeader,
    expectedSeq: number,
    events: readonly OrderEvent[],
    commit: {
      readonly reservationIds: readonly string[];
      readonly actor: string;
      /** Reservations the caller just read or made (not read again; the transaction still checks they are ACTIVE). */ readonly known?: readonly Reservation[];
      /** Written in the same transaction when it has room (else `answered` false): the checkout's answer in its key's record (KeyTakenOverError when the claim is no longer this attempt's). */
      readonly answer?: { readonly claim: CheckoutKeyClaim; readonly answer: CheckoutAnswer };
      /** Written in the same transaction when the cart is still at `expectedVersion` and the transaction has room; else left out (`cartSaved` false). */
      readonly cart?: { readonly next: Cart; readonly expectedVersion: number };
    },
  ): Promise<{ readonly cartSaved: boolean; readonly answered: boolean }>;

  /**
   * Whether one placement of `events` committing reservations of these lines fits in one
   * transaction (asked before anything is reserved or charged: a placement that cannot be
   * written must not get as far as the payment).
   */
  fits(plan: PlacementPlan): boolean;
}

/** The shape of a placement: how many events it appends, and the lines of each reservation it commits. */
export interface PlacementPlan {
  readonly events: number;
  readonly reservations: ReadonlyArray<{ readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>; readonly fromGate?: boolean }>;
}

/** Where the units of an order come from: the caller's cart, or a flash-sale hold (issue 6). */
export interface StockSource {
  readonly kind: 'cart' | 'flash_sale_hold';
  readonly lines: readonly CheckoutLine[];
  /** Units already held for this customer (a limited edition in the cart, a flash-sale hold). */
  readonly heldReservationIds: readonly string[];
  /** Those of them already read (ACTIVE when read). */
  readonly heldReservations: readonly Reservation[];
  /** Lines that still need a reservation now. */
  readonly toReserve: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  /** What to do once the order exists (empty the cart); failures here never undo the order. */
  readonly afterPlaced: () => Promise<void>;
  /** What to do when the payment is declined (a flash-sale hold goes back to the sale). */
  readonly afterDeclined: () => Promise<void>;
  /** The flash sale the units come from. */
  readonly flashSaleId?: string;
}

/** Flash-sale holds as checkout sees them: a won hold, claimed by the customer who won it. */
export interface FlashSaleHolds {
  /** The held lines (priced) and the reservation holding them; NotFoundError for a hold unknown or not this customer's. */
  claim(shopId: string, holdId: string, customerId: string): Promise<{ saleId: string; lines: readonly CheckoutLine[]; reservationId: string }>;
  /** The payment was declined: the hold ends now and its units go back to the sale. */
  release(shopId: string, holdId: string): Promise<void>;
}

/** What checkout answers: the order, CONFIRMED, or PENDING with the customer's next step (3-D Secure). */
export type PlaceOrderResult =
  { readonly outcome: 'placed'; readonly order: Order } | { readonly outcome: 'requires_action'; readonly order: Order; readonly nextAction: { readonly type: string; readonly url?: string } };

/** An answer kept in a checkout's Idempotency-Key record: the result, or a definite refusal (its domain error's code, message and extra). */
export type CheckoutAnswer =
  { readonly kind: 'result'; readonly result: PlaceOrderResult } | { readonly kind: 'refused'; readonly code: string; readonly message: string; readonly extra: Readonly<Record<string, unknown>> };

/**
 * A checkout's own Idempotency-Key record (instead of the HTTP edge's generic one, so that
 * it costs no call of its own): read with the cart, claimed in the reservation's
 * transaction, answered in the order's. `in_progress` until answered; a record left in
 * progress by a process that died may be claimed again once `inProgressUntil` is past.
 */
export interface CheckoutKeyRecord {
  /** The request body's fingerprint: the same key with another body is refused. */
  readonly fingerprint: string;
  readonly state: 'in_progress' | 'answered';
  /** The attempt holding it. */
  readonly claim: string;
  /** Epoch ms after which a record still in progress may be taken over. */
  readonly inProgressUntil: number;
  readonly answer?: CheckoutAnswer;
}

/** One attempt's claim of a key. */
export interface CheckoutKeyClaim {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly claim: string;
  /** Epoch ms, when claimed: a record in progress whose `inProgressUntil` is before it may be taken over. */
  readonly at: number;
  readonly inProgressUntil: number;
}

/** The claim of a key was lost to another attempt (the record answered, or held by a live one). */
export class KeyTakenOverError extends Error {
  constructor(readonly keyId: string) {
    super(`The Idempotency-Key record ${keyId} is held by another attempt.`);
    this.name = 'KeyTakenOverError';
  }
}

export type ClaimedReservation =
  | { readonly outcome: 'reserved'; readonly reservation: Reservation }
  /** Another attempt holds or answered the key: nothing was written. */
  | { readonly outcome: 'key_taken' }
  /** The reservation exists (an attempt with this key that died made it): nothing was written. */
  | { readonly outcome: 'reservation_exists' };

export interface CheckoutKeys {
  /** The key's record and, for a cart checkout, the stored cart, in one read. */
  open(keyId: string, cartOf?: { readonly shopId: string; readonly customerId: string }): Promise<{ readonly record?: CheckoutKeyRecord; readonly cart?: Cart }>;
  /** The key's record alone (a twin waiting for the first attempt's answer). */
  record(keyId: string): Promise<CheckoutKeyRecord | undefined>;
  /** Claims the key alone; false when another attempt holds or answered it. */
  claim(claim: CheckoutKeyClaim): Promise<boolean>;
  /** Creates `reservation` (all lines or nothing: OutOfStockError) and claims the key, in one transaction. */
  reserveAndClaim(reservation: Reservation, claim: CheckoutKeyClaim): Promise<ClaimedReservation>;
  /**
   * Stores `answer`: in the record this attempt claimed (`claimed`), or in a new one (an
   * answer found before anything was claimed); false when another attempt holds the key.
   */
  answer(claim: CheckoutKeyClaim, answer: CheckoutAnswer, options: { readonly claimed: boolean }): Promise<boolean>;
  /** Gives a claim back after an unexpected failure, so that the client's retry runs at once. */
  release(claim: CheckoutKeyClaim): Promise<void>;
}
