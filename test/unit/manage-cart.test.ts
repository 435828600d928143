import { describe, expect, it } from 'vitest';
import type { Cart } from '#shared/cart/cart';
import type { CartRepository } from '#shared/cart/cart-ports';
import { makeManageCart } from '#shared/cart/manage-cart';
import { NotFoundError } from '#shared/errors';

/** The cart use case with fakes: races, holds and their compensation. */
function setup(options: { loseFirstSaves?: number } = {}) {
  let stored: Cart | undefined;
  let losses = options.loseFirstSaves ?? 0;
  const carts: CartRepository = {
    get: async () => stored,
    save: async (cart, expected) => {
      if (losses > 0) {
        losses -= 1;
        return false; // another request saved first
      }
      if ((stored?.version ?? 0) !== expected) return false;
      stored = { ...cart, version: expected + 1 };
      return true;
    },
  };
  const held = new Set<string>();
  const released: string[] = [];
  let next = 0;
  const cart = makeManageCart({
    carts,
    variants: async (_shop, skus) =>
      new Map(skus.filter((s) => s !== 'GONE').map((sku) => [sku, { sku, title: sku, price: { amount: 100, currency: 'USD' }, reserveOnAddToCart: sku.startsWith('LTD') }])),
    holds: {
      hold: async () => {
        const id = `hold-${++next}`;
        held.add(id);
        return id;
      },
      release: async (_shop, id) => {
        held.delete(id);
        released.push(id);
      },
    },
    shopCurrency: async () => 'USD',
    clock: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { cart, held, released, stored: () => stored };
}

describe('manage cart', () => {
  it('releases the hold it took when its save loses a race, and keeps the winning one', async () => {
    const { cart, held, released, stored } = setup({ loseFirstSaves: 2 });
    await cart.setQuantity('s', 'alice', 'LTD-1', 2);
    expect(released).toEqual(['hold-1', 'hold-2']);
    expect([...held]).toEqual(['hold-3']);
    expect(stored()?.lines).toEqual([{ sku: 'LTD-1', quantity: 2, addedAt: '2026-11-25T12:00:00.000Z', reservationId: 'hold-3' }]);
  });

  it('replaces a hold only after the new one is saved, and releases it on removal', async () => {
    const { cart, held } = setup();
    await cart.setQuantity('s', 'alice', 'LTD-1', 2);
    await cart.setQuantity('s', 'alice', 'LTD-1', 3);
    expect([...held]).toEqual(['hold-2']);
    await cart.setQuantity('s', 'alice', 'LTD-1', 0);
    expect([...held]).toEqual([]);
  });

  it('gives up with a conflict after repeated races, holding nothing', async () => {
    const { cart, held } = setup({ loseFirstSaves: 100 });
    await expect(cart.setQuantity('s', 'alice', 'LTD-1', 1)).rejects.toMatchObject({ code: 'conflict' });
    expect(held.size).toBe(0);
  });

  it('expires a cart 7 days after its last change', async () => {
    const { cart } = setup();
    const view = await cart.setQuantity('s', 'alice', 'TEE', 1);
    expect(view.expiresAt).toBe('2026-12-02T12:00:00.000Z');
  });
});

describe('manage cart in a shop that does not exist', () => {
  it('answers 404 before writing anything: setting, removing or merging', async () => {
    const { cart, stored } = setup();
    const nowhere = makeManageCart({
      carts: { get: async () => undefined, save: async () => expect.unreachable('a cart was written in a shop that does not exist') },
      variants: async () => new Map(),
      holds: { hold: async () => expect.unreachable('a hold was taken'), release: async () => undefined },
      shopCurrency: async (shopId) => {
        throw new NotFoundError(`Shop \`${shopId}\` does not exist.`);
      },
    });
    await expect(nowhere.setQuantity('nowhere', 'alice', 'TEE', 0)).rejects.toMatchObject({ code: 'not_found' });
    await expect(nowhere.setQuantity('nowhere', 'alice', 'TEE', 2)).rejects.toMatchObject({ code: 'not_found' });
    await expect(nowhere.merge('nowhere', 'alice', [{ sku: 'TEE', quantity: 1 }])).rejects.toMatchObject({ code: 'not_found' });
    // The known shop is unaffected.
    await cart.setQuantity('s', 'alice', 'TEE', 1);
    expect(stored()?.lines).toHaveLength(1);
  });
});
