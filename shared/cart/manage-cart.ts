import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { pauseBeforeRetry } from '#shared/platform/deadline';
import { priceLine, type Money, type PricedLine } from '#shared/catalog/product';
import { emptyCart, isExpired, MAX_QUANTITY, mergedQuantity, touched, withoutCheckedOut, withQuantity, type Cart } from './cart';
import type { CartHolds, CartRepository, LookupVariants } from './cart-ports';
import { now as platformNow } from '#shared/platform/clock';

/**
 * Cart use cases. Writes are optimistic (conditional on the cart's version, retried), so
 * two tabs changing one cart never lose a line. Limited editions are held while in the
 * cart: a new hold is taken before the cart is saved, and the replaced hold released
 * after; a save that loses a race releases the hold it took.
 */
export interface CartDeps {
  readonly carts: CartRepository;
  readonly variants: LookupVariants;
  readonly holds: CartHolds;
  /** The shop's currency; throws NotFoundError for a shop that does not exist. */
  readonly shopCurrency: (shopId: string) => Promise<string>;
  readonly clock?: () => Date;
}

export interface CartLineView {
  readonly sku: string;
  readonly quantity: number;
  readonly title?: string;
  readonly unitPrice?: Money;
  readonly lineTotal?: Money;
  /** False when the SKU is no longer sold: the line stays, priced at nothing. */
  readonly available: boolean;
  readonly held?: boolean;
}

export interface CartView {
  readonly items: readonly CartLineView[];
  readonly subtotal: Money;
  /** When the cart disappears unless changed; null for a cart never saved. */
  readonly expiresAt: string | null;
}

export interface Skipped {
  readonly sku: string;
  readonly reason: 'not_found' | 'out_of_stock';
}

/** Every concurrent writer of one cart gets through: one more attempt per writer that may beat it. */
const ATTEMPTS = 12;

export interface CheckoutLine extends PricedLine {
  /** The reservation holding a limited edition's units since it was added. */
  readonly holdId?: string;
}

export interface CheckoutCart {
  /** The cart as read (its version: checkout empties it in the order's own transaction when unchanged). */
  readonly cart: Cart;
  readonly lines: readonly CheckoutLine[];
  readonly unavailable: readonly string[];
  readonly currency: string;
}

export function makeManageCart({ carts, variants, holds, shopCurrency, clock = platformNow }: CartDeps) {
  async function load(shopId: string, customerId: string, now: Date, read?: { readonly stored: Cart | undefined }): Promise<Cart> {
    const stored = read ? read.stored : await carts.get(shopId, customerId);
    if (!stored) return emptyCart(shopId, customerId, now);
    // DynamoDB TTL deletes late (DynamoDB Local never): an expired cart reads as empty.
    return isExpired(stored, now) ? { ...emptyCart(shopId, customerId, now), version: stored.version } : stored;
  }

  const releaseAll = (shopId: string, ids: readonly string[]) => Promise.all(ids.map((id) => holds.release(shopId, id)));

  /** Applies `plan` to the current cart and saves it, retrying when another write got there first. */
  async function change(shopId: string, customerId: string, plan: (cart: Cart, now: Date) => Promise<{ next: Cart; taken: string[]; replaced: string[] }>): Promise<Cart> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const now = clock();
      const cart = await load(shopId, customerId, now);
      const { next, taken, replaced } = await plan(cart, now);
      if (await carts.save(next, cart.version)) {
        await releaseAll(shopId, replaced);
        return { ...next, version: cart.version + 1 };
      }
      await releaseAll(shopId, taken);
      // Another write got there first: back off a little (with jitter) so a burst of writers spreads out.
      if (attempt + 1 === ATTEMPTS || !(await pauseBeforeRetry(attempt + 1, { baseMs: 10, maxMs: 320 }))) break;
    }
    throw new ConflictError('conflict', 'The cart is being changed by another request; retry.');
  }

  async function view(cart: Cart): Promise<CartView> {
    const currency = await shopCurrency(cart.shopId);
    const priced = await variants(
      cart.shopId,
      cart.lines.map((l) => l.sku),
    );
    let subtotal = 0;
    const items = cart.lines.map((line): CartLineView => {
      const variant = priced.get(line.sku);
      if (!variant) return { sku: line.sku, quantity: line.quantity, available: false };
      const { sku, quantity, title, unitPrice, lineTotal } = priceLine(line, variant);
      subtotal += lineTotal.amount;
      return {
        sku,
        quantity,
        title,
        unitPrice,
        lineTotal,
        available: true,
        ...(line.reservationId ? { held: true } : {}),
      };
    });
    return { items, subtotal: { amount: subtotal, currency }, expiresAt: cart.version > 0 && cart.lines.length > 0 ? cart.expiresAt : null };
  }

  return {
    /**
     * The cart as checkout takes it: priced lines (with the hold of a limited edition),
     * and the SKUs no longer sold, which checkout refuses rather than drop silently.
     * `read`: the stored cart when the caller read it already (checkout reads it with its key).
     */
    async forCheckout(shopId: string, customerId: string, read?: { readonly stored: Cart | undefined }): Promise<CheckoutCart> {
      const cart = await load(shopId, customerId, clock(), read);
      const priced = await variants(
        shopId,
        cart.lines.map((l) => l.sku),
      );
      const lines: CheckoutLine[] = [];
      const unavailable: string[] = [];
      for (const line of cart.lines) {
        const variant = priced.get(line.sku);
        if (!variant) {
          unavailable.push(line.sku);
          continue;
        }
        lines.push({
          ...priceLine(line, variant),
          ...(line.reservationId ? { holdId: line.reservationId } : {}),
        });
      }
      return { cart, lines, unavailable, currency: await shopCurrency(shopId) };
    },

    /** Removes what an order took (lines changed since keep their difference); holds were committed by the order. */
    async removeCheckedOut(shopId: string, customerId: string, taken: ReadonlyArray<{ sku: string; quantity: number }>): Promise<void> {
      await change(shopId, customerId, async (current, now) => ({ next: withoutCheckedOut(current, taken, now), taken: [], replaced: [] }));
    },

    async getCart(shopId: string, customerId: string): Promise<CartView> {
      return view(await load(shopId, customerId, clock()));
    },

    async setQuantity(shopId: string, customerId: string, sku: string, quantity: number): Promise<CartView> {
      if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
        throw new ValidationError('The quantity is invalid.', [{ path: 'body.quantity', message: `a whole number from 0 to ${MAX_QUANTITY}` }]);
      }
      // An unknown shop is 404 before anything is written (a removal would otherwise save an empty cart there).
      await shopCurrency(shopId);
      const variant = quantity > 0 ? (await variants(shopId, [sku])).get(sku) : undefined;
      if (quantity > 0 && !variant) throw new NotFoundError(`SKU ${sku} is not sold in shop ${shopId}.`);
      const cart = await change(shopId, customerId, async (current, now) => {
        const existing = current.lines.find((l) => l.sku === sku);
        const replaced = existing?.reservationId ? [existing.reservationId] : [];
        if (variant?.reserveOnAddToCart) {
          const hold = await holds.hold(shopId, sku, quantity, customerId);
          return { next: withQuantity(current, sku, quantity, now, hold), taken: [hold], replaced };
        }
        return { next: withQuantity(current, sku, quantity, now), taken: [], replaced };
      });
      return view(cart);
    },

    async merge(shopId: string, customerId: string, items: ReadonlyArray<{ sku: string; quantity: number }>): Promise<CartView & { skipped: Skipped[] }> {
      await shopCurrency(shopId);
      const wanted = new Map<string, number>();
      for (const item of items) wanted.set(item.sku, mergedQuantity(wanted.get(item.sku) ?? 0, item.quantity));
      const known = await variants(shopId, [...wanted.keys()]);
      let skipped: Skipped[] = [];
      const cart = await change(shopId, customerId, async (current, now) => {
        skipped = [...wanted.keys()].filter((sku) => !known.has(sku)).map((sku) => ({ sku, reason: 'not_found' as const }));
        let next = touched(current, now);
        const taken: string[] = [];
        const replaced: string[] = [];
        for (const [sku, added] of wanted) {
          const variant = known.get(sku);
          if (!variant) continue;
          const existing = next.lines.find((l) => l.sku === sku);
          const quantity = mergedQuantity(existing?.quantity ?? 0, added);
          if (quantity === existing?.quantity) continue;
          if (variant.reserveOnAddToCart) {
            try {
              const hold = await holds.hold(shopId, sku, quantity, customerId);
              taken.push(hold);
              if (existing?.reservationId) replaced.push(existing.reservationId);
              next = withQuantity(next, sku, quantity, now, hold);
            } catch (error) {
              if ((error as { code?: string }).code !== 'out_of_stock') throw error;
              skipped.push({ sku, reason: 'out_of_stock' });
            }
          } else {
            next = withQuantity(next, sku, quantity, now, existing?.reservationId);
          }
        }
        return { next, taken, replaced };
      });
      return { ...(await view(cart)), skipped };
    },
  };
}

export type ManageCart = ReturnType<typeof makeManageCart>;
