import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DEMO_SHOP } from '../../bin/local/demo-shop';
import type { TestPlatform } from './platform';

/**
 * A product of the demo shop for a drop: one variant per edition (`<skuPrefix>-<EDITION>`),
 * each restocked with its units through the admin API. Returns the SKUs by edition.
 */
export async function stockDropProduct(
  platform: TestPlatform,
  admin: string,
  product: { title: string; category: string; skuPrefix: string; amount: number; units: Record<string, number> },
): Promise<Record<string, string>> {
  const shop = DEMO_SHOP.shopId;
  const editions = Object.keys(product.units);
  const skuOf = (edition: string) => `${product.skuPrefix}-${edition.toUpperCase()}`;
  const created = await platform.request('POST', `/v1/shops/${shop}/admin/products`, {
    token: admin,
    body: {
      title: product.title,
      brand: 'Rare',
      category: product.category,
      options: [{ name: 'edition', values: editions }],
      variants: editions.map((e) => ({ sku: skuOf(e), options: { edition: e }, price: { amount: product.amount, currency: 'USD' } })),
    },
  });
  expect(created.status).toBe(201);
  for (const [edition, units] of Object.entries(product.units)) {
    const res = await platform.request('POST', `/v1/shops/${shop}/admin/inventory/${skuOf(edition)}/adjustments`, {
      token: admin,
      body: { delta: units, reason: 'restock' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(res.status).toBe(201);
  }
  return Object.fromEntries(editions.map((e) => [e, skuOf(e)]));
}
