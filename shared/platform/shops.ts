import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';

/** A shop is a tenant: every other resource lives under one. */
export interface Shop {
  readonly shopId: string;
  readonly name: string;
  readonly currency: string;
  /** Reply-to address of customer emails. */
  readonly supportEmail?: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
}

export interface ShopChanges {
  readonly name?: string;
  readonly supportEmail?: string;
}

export interface ShopRepository {
  get(shopId: string): Promise<Shop | undefined>;
  /** Writes the shop unless one with that id exists; returns false when it did. */
  createIfAbsent(shop: Shop): Promise<boolean>;
  /** Applies the changes to an existing shop; undefined when there is none. */
  update(shopId: string, changes: ShopChanges, updatedAt: string): Promise<Shop | undefined>;
}

const SHOP_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const CURRENCY = /^[A-Z]{3}$/;

export function makeGetShop({ shops }: { shops: ShopRepository }) {
  return async function getShop(shopId: string): Promise<Shop> {
    const shop = await shops.get(shopId);
    if (!shop) throw new NotFoundError(`Shop \`${shopId}\` does not exist.`);
    return shop;
  };
}

export interface CreateShopInput {
  readonly shopId: string;
  readonly name: string;
  readonly currency: string;
}

export function makeCreateShop({ shops, clock = () => new Date() }: { shops: ShopRepository; clock?: () => Date }) {
  return async function createShop(input: CreateShopInput, options: { ifAbsent?: boolean } = {}): Promise<Shop> {
    const errors = [
      ...(SHOP_ID.test(input.shopId) ? [] : [{ path: 'shopId', message: '2-63 lowercase letters, digits or hyphens' }]),
      ...(input.name.trim().length > 0 && input.name.length <= 120 ? [] : [{ path: 'name', message: '1-120 characters' }]),
      ...(CURRENCY.test(input.currency) ? [] : [{ path: 'currency', message: 'an ISO 4217 code such as USD' }]),
    ];
    if (errors.length > 0) throw new ValidationError('The shop is invalid.', errors);
    const shop: Shop = { shopId: input.shopId, name: input.name.trim(), currency: input.currency, createdAt: clock().toISOString() };
    if (await shops.createIfAbsent(shop)) return shop;
    if (options.ifAbsent) return (await shops.get(shop.shopId))!;
    throw new ConflictError('conflict', `Shop \`${shop.shopId}\` already exists.`);
  };
}

export function makeUpdateShop({ shops, clock = () => new Date() }: { shops: ShopRepository; clock?: () => Date }) {
  return async function updateShop(shopId: string, changes: ShopChanges): Promise<Shop> {
    const updated = await shops.update(shopId, changes, clock().toISOString());
    if (!updated) throw new NotFoundError(`Shop \`${shopId}\` does not exist.`);
    return updated;
  };
}
