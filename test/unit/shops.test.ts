import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#shared/errors';
import { problemFromError } from '#shared/http/problem';
import { canonicalTimeZone, makeCreateShop, makeGetShop, ShopExistsError, type Shop, type ShopRepository } from '#shared/platform/shops';

function memoryShops(): ShopRepository & { readonly size: () => number } {
  const shops = new Map<string, Shop>();
  return {
    size: () => shops.size,
    get: async (id) => shops.get(id),
    createIfAbsent: async (shop) => (shops.has(shop.shopId) ? false : (shops.set(shop.shopId, shop), true)),
    update: async (id, changes, updatedAt) => {
      const shop = shops.get(id);
      if (!shop) return undefined;
      const updated = { ...shop, ...changes, updatedAt };
      shops.set(id, updated);
      return updated;
    },
  };
}

describe('shops', () => {
  const clock = () => new Date('2026-01-01T00:00:00Z');

  it('creates a shop once, on UTC unless told, and reads it back', async () => {
    const shops = memoryShops();
    const created = await makeCreateShop({ shops, clock })({ shopId: 'demo', name: ' Demo ', currency: 'USD' });
    expect(created).toEqual({ shopId: 'demo', name: 'Demo', currency: 'USD', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(await makeGetShop({ shops })('demo')).toEqual(created);
  });

  it('refuses an existing id with shop_exists (409) and leaves the first shop as it was; the seed takes the one there', async () => {
    const shops = memoryShops();
    const createShop = makeCreateShop({ shops, clock });
    const first = await createShop({ shopId: 'demo', name: 'Demo', currency: 'USD' });
    const error = await createShop({ shopId: 'demo', name: 'Again', currency: 'EUR' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopExistsError);
    expect(problemFromError(error)).toMatchObject({ status: 409, body: { code: 'shop_exists', shopId: 'demo' } });
    expect(await createShop({ shopId: 'demo', name: 'Again', currency: 'EUR' }, { ifAbsent: true })).toEqual(first);
    expect(await makeGetShop({ shops })('demo')).toEqual(first);
  });

  it('stores the canonical spelling of the time zone', async () => {
    const shops = memoryShops();
    const createShop = makeCreateShop({ shops, clock });
    expect((await createShop({ shopId: 'paris', name: 'Paris', currency: 'EUR', timezone: 'europe/paris' })).timezone).toBe('Europe/Paris');
    expect((await createShop({ shopId: 'nyc', name: 'NYC', currency: 'USD', timezone: 'US/Eastern' })).timezone).toBe('America/New_York');
    expect((await createShop({ shopId: 'utc', name: 'UTC', currency: 'GBP', timezone: 'Etc/UTC' })).timezone).toBe('UTC');
  });

  it('refuses offsets and made-up names as time zones', () => {
    expect(canonicalTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    for (const bad of ['+01:00', '-05:00', 'Mars/Olympus', '', ' UTC', 'Europe/Paris\n', '../etc/passwd', 'x'.repeat(100)]) {
      expect(canonicalTimeZone(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('lists every invalid field and writes nothing', async () => {
    const shops = memoryShops();
    const error = await makeCreateShop({ shops })({ shopId: 'Bad Id', name: ' ', currency: 'usd', timezone: 'Nowhere/Land' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toEqual(['shopId', 'name', 'currency', 'timezone']);
    // A real ISO 4217 code that the platform does not sell in is refused too.
    const unsupported = await makeCreateShop({ shops })({ shopId: 'far', name: 'Far', currency: 'XAU' }).catch((e: unknown) => e);
    expect((unsupported as ValidationError).errors).toEqual([{ path: 'currency', message: expect.stringContaining('USD') }]);
    expect(shops.size()).toBe(0);
  });

  it('says not_found for an unknown shop', async () => {
    await expect(makeGetShop({ shops: memoryShops() })('nope')).rejects.toThrow(NotFoundError);
  });
});
