import type { Money } from '#shared/catalog/product';
import type { Cart } from './cart';

export interface CartRepository {
  get(shopId: string, customerId: string): Promise<Cart | undefined>;
  /** Saves unless the stored version is no longer `expectedVersion` (0: none stored); false then. */
  save(cart: Cart, expectedVersion: number): Promise<boolean>;
}

/** What the cart needs of a variant (the catalog's answer). */
export interface PricedVariant {
  readonly sku: string;
  readonly title: string;
  readonly price: Money;
  readonly reserveOnAddToCart: boolean;
}

export type LookupVariants = (shopId: string, skus: readonly string[]) => Promise<Map<string, PricedVariant>>;

/** Holds for limited editions (inventory's reservations). */
export interface CartHolds {
  hold(shopId: string, sku: string, quantity: number, customerId: string): Promise<string>;
  release(shopId: string, reservationId: string): Promise<void>;
}
