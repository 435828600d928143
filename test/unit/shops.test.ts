import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { makeCreateShop, makeGetShop, type Shop, type ShopRepository } from '#shared/platform/shops';

function memoryShops(): ShopRepository {
  const shops = new Map<string, Shop>();
  return {
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

  it('creates a shop once and reads it back', async () => {
    const shops = memoryShops();
    const created = await makeCreateShop({ shops, clock })({ shopId: 'demo', name: ' Demo ', currency: 'USD' });
    expect(created).toEqual({ shopId: 'demo', name: 'Demo', currency: 'USD', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(await makeGetShop({ shops })('demo')).toEqual(created);
    await expect(makeCreateShop({ shops, clock })({ shopId: 'demo', name: 'Again', currency: 'EUR' })).rejects.toThrow(ConflictError);
    expect(await makeCreateShop({ shops, clock })({ shopId: 'demo', name: 'Again', currency: 'EUR' }, { ifAbsent: true })).toEqual(created);
  });

  it('lists every invalid field', async () => {
    const error = await makeCreateShop({ shops: memoryShops() })({ shopId: 'Bad Id', name: '', currency: 'usd' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toEqual(['shopId', 'name', 'currency']);
  });

  it('says not_found for an unknown shop', async () => {
    await expect(makeGetShop({ shops: memoryShops() })('nope')).rejects.toThrow(NotFoundError);
  });
});
