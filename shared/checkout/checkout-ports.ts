import type { CheckoutLine } from '#shared/cart/manage-cart';
import type { Reservation } from '#shared/inventory/reservations';
import type { OrderEvent } from '#shared/orders/order';
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
    },
  ): Promise<void>;

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
