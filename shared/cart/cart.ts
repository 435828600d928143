import { ValidationError } from '#shared/errors';

/**
 * A customer's cart in one shop: SKUs and quantities only (prices are read from the
 * catalog when the cart is shown). It lives 7 days after its last change. Lines of
 * limited editions (`reserveOnAddToCart`) carry the reservation that holds their units.
 */
export interface CartLine {
  readonly sku: string;
  readonly quantity: number;
  readonly addedAt: string;
  /** The hold of a limited edition's units. */
  readonly reservationId?: string;
}

export interface Cart {
  readonly shopId: string;
  readonly customerId: string;
  readonly lines: readonly CartLine[];
  /** 0 for a cart never saved; every save increments it. */
  readonly version: number;
  readonly updatedAt: string;
  readonly expiresAt: string;
}

export const CART_LIFETIME_DAYS = 7;
export const MAX_QUANTITY = 99;
export const MAX_LINES = 100;

export function emptyCart(shopId: string, customerId: string, now: Date): Cart {
  return { shopId, customerId, lines: [], version: 0, updatedAt: now.toISOString(), expiresAt: now.toISOString() };
}

/** The cart with `sku` at `quantity` (0 removes the line). */
export function withQuantity(cart: Cart, sku: string, quantity: number, now: Date, reservationId?: string): Cart {
  if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
    throw new ValidationError('The quantity is invalid.', [{ path: 'body.quantity', message: `a whole number from 0 to ${MAX_QUANTITY}` }]);
  }
  const existing = cart.lines.find((l) => l.sku === sku);
  const others = cart.lines.filter((l) => l.sku !== sku);
  const lines =
    quantity === 0
      ? others
      : [...others, { sku, quantity, addedAt: existing?.addedAt ?? now.toISOString(), ...(reservationId ? { reservationId } : {}) }].sort((a, b) =>
          a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.sku < b.sku ? -1 : 1,
        );
  if (lines.length > MAX_LINES) throw new ValidationError(`A cart holds at most ${MAX_LINES} different SKUs.`, [{ path: 'sku', message: 'the cart is full' }]);
  return touched({ ...cart, lines }, now);
}

/** A change moves the expiry to 7 days from now. */
export function touched(cart: Cart, now: Date): Cart {
  return { ...cart, updatedAt: now.toISOString(), expiresAt: new Date(now.getTime() + CART_LIFETIME_DAYS * 86_400_000).toISOString() };
}

/** Quantities after merging a logged-out cart: added, capped at 99. */
export function mergedQuantity(current: number, added: number): number {
  return Math.min(MAX_QUANTITY, current + added);
}

export function isExpired(cart: Cart, now: Date): boolean {
  return cart.version > 0 && Date.parse(cart.expiresAt) <= now.getTime();
}

/** The cart less what an order took (a line changed since keeps its difference). */
export function withoutCheckedOut(cart: Cart, taken: ReadonlyArray<{ sku: string; quantity: number }>, now: Date): Cart {
  let next = cart;
  for (const { sku, quantity } of taken) {
    const line = next.lines.find((l) => l.sku === sku);
    if (!line) continue;
    next = withQuantity(next, sku, Math.max(0, line.quantity - quantity), now);
  }
  return next;
}
