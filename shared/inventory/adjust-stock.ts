import { ValidationError } from '#shared/errors';
import { newId } from '#shared/ids';
import type { StockRepository } from './inventory-ports';
import { DEFAULT_LOW_STOCK_THRESHOLD, type StockCounters } from './stock';
import { now as platformNow } from '#shared/platform/clock';

/**
 * Merchant adjustments: restock (units received), shrinkage (lost or damaged), count
 * correction (a physical count differs), and the initial count of a new SKU. Units enter
 * or leave onHand and available together; a decrease below what is available is refused.
 */
export const ADJUSTMENT_REASONS = ['restock', 'shrinkage', 'count_correction', 'initial_count'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export interface AdjustStockInput {
  readonly shopId: string;
  readonly sku: string;
  readonly delta: number;
  readonly reason: AdjustmentReason;
  readonly actor: string;
  readonly note?: string;
}

export function makeAdjustStock({ stock, clock = platformNow }: { stock: StockRepository; clock?: () => Date }) {
  return async function adjustStock(input: AdjustStockInput): Promise<StockCounters> {
    const errors = [];
    if (!Number.isInteger(input.delta) || input.delta === 0) errors.push({ path: 'delta', message: 'a non-zero whole number of units' });
    if (input.reason === 'restock' && input.delta < 0) errors.push({ path: 'delta', message: 'a restock adds units: use a positive delta' });
    if (input.reason === 'shrinkage' && input.delta > 0) errors.push({ path: 'delta', message: 'shrinkage removes units: use a negative delta' });
    if (errors.length > 0) throw new ValidationError('The adjustment is invalid.', errors);
    const now = clock();
    const movementId = newId('adj', now.getTime());
    return stock.move({
      shopId: input.shopId,
      sku: input.sku,
      movementId,
      delta: { onHand: input.delta, available: input.delta },
      entry: { type: 'adjustment', reason: input.reason, reference: movementId, actor: input.actor, at: now.toISOString(), ...(input.note ? { note: input.note } : {}) },
    });
  };
}

/**
 * Creates counters for new SKUs (idempotent): at zero when the catalog creates a variant,
 * or with the units of an initial count (the demo seeder), recorded in the ledger.
 */
export function makeInitializeStock({ stock, clock = platformNow }: { stock: StockRepository; clock?: () => Date }) {
  return async function initializeStock(shopId: string, items: ReadonlyArray<{ sku: string; units?: number }>, options: { actor?: string; lowStockThreshold?: number } = {}): Promise<string[]> {
    if (items.length === 0) return [];
    const lowStockThreshold = options.lowStockThreshold ?? DEFAULT_LOW_STOCK_THRESHOLD;
    for (const item of items) {
      if (item.units !== undefined && (!Number.isInteger(item.units) || item.units < 0)) {
        throw new ValidationError('Initial stock is a whole number of units.', [{ path: `stock.${item.sku}`, message: 'a whole number >= 0' }]);
      }
    }
    return stock.initialize(
      shopId,
      items.map((item) => ({ ...item, lowStockThreshold })),
      { actor: options.actor ?? 'catalog', at: clock().toISOString() },
    );
  };
}
