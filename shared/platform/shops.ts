import { ConflictError, NotFoundError, ValidationError, type FieldError } from '#shared/errors';

/** A shop is a tenant: every other resource lives under one. */
export interface Shop {
  readonly shopId: string;
  readonly name: string;
  /** ISO 4217 code of every price and payment in the shop (one of SUPPORTED_CURRENCIES). */
  readonly currency: string;
  /** Canonical IANA time zone of the merchant (reports, schedules shown to staff). */
  readonly timezone: string;
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

export const SHOP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const SHOP_NAME_MAX = 120;
export const DEFAULT_TIMEZONE = 'UTC';

/**
 * Currencies a shop may sell in: ones Stripe settles card payments in, whose minor unit
 * is what the API's integer `amount` means (cents; yen and won have none). A code outside
 * the list would let a shop list prices it can never charge.
 */
export const SUPPORTED_CURRENCIES = ['AUD', 'BRL', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'JPY', 'KRW', 'MXN', 'NOK', 'NZD', 'PLN', 'SEK', 'SGD', 'USD'] as const;

export type SupportedCurrency = (typeof SUPPORTED_CURRENCIES)[number];

export function isSupportedCurrency(code: string): code is SupportedCurrency {
  return (SUPPORTED_CURRENCIES as readonly string[]).includes(code);
}

/**
 * The canonical spelling of an IANA time zone (`europe/paris` → `Europe/Paris`,
 * `US/Eastern` → `America/New_York`), as the runtime's Intl knows it; undefined when it
 * is not one. Offsets (`+01:00`), which newer runtimes accept, are not zones: refused.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

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
  /** @default DEFAULT_TIMEZONE */
  readonly timezone?: string;
}

export class ShopExistsError extends ConflictError {
  constructor(shopId: string) {
    super('shop_exists', `Shop \`${shopId}\` already exists; choose another shopId.`, { shopId });
  }
}

/** Every rule a new shop must meet; the API's schema refers to the same ones. */
export function shopProblems(input: CreateShopInput): FieldError[] {
  const problems: FieldError[] = [];
  if (!SHOP_ID_PATTERN.test(input.shopId)) problems.push({ path: 'shopId', message: '2-63 lowercase letters, digits or hyphens, starting with a letter or digit' });
  const name = input.name.trim();
  if (name.length === 0 || name.length > SHOP_NAME_MAX) problems.push({ path: 'name', message: `1-${SHOP_NAME_MAX} characters` });
  if (!isSupportedCurrency(input.currency)) problems.push({ path: 'currency', message: `one of ${SUPPORTED_CURRENCIES.join(', ')}` });
  if (input.timezone !== undefined && !canonicalTimeZone(input.timezone)) problems.push({ path: 'timezone', message: 'an IANA time zone such as Europe/Paris' });
  return problems;
}

/**
 * The one way a shop comes to be: the operators' `POST /v1/shops` and the local demo
 * shop both call it. `ifAbsent` (the demo seed, run on every start) answers the shop
 * that is there instead of `409 shop_exists`.
 */
export function makeCreateShop({ shops, clock = () => new Date() }: { shops: ShopRepository; clock?: () => Date }) {
  return async function createShop(input: CreateShopInput, options: { ifAbsent?: boolean } = {}): Promise<Shop> {
    const problems = shopProblems(input);
    if (problems.length > 0) throw new ValidationError('The shop is invalid.', problems);
    const shop: Shop = {
      shopId: input.shopId,
      name: input.name.trim(),
      currency: input.currency,
      timezone: canonicalTimeZone(input.timezone ?? DEFAULT_TIMEZONE)!,
      createdAt: clock().toISOString(),
    };
    if (await shops.createIfAbsent(shop)) return shop;
    if (options.ifAbsent) return (await shops.get(shop.shopId))!;
    throw new ShopExistsError(shop.shopId);
  };
}

export function makeUpdateShop({ shops, clock = () => new Date() }: { shops: ShopRepository; clock?: () => Date }) {
  return async function updateShop(shopId: string, changes: ShopChanges): Promise<Shop> {
    const updated = await shops.update(shopId, changes, clock().toISOString());
    if (!updated) throw new NotFoundError(`Shop \`${shopId}\` does not exist.`);
    return updated;
  };
}
