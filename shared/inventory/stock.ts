import { DomainError } from '#shared/errors';

/**
 * Stock of one SKU. Invariant at every moment: onHand = available + reserved + sold,
 * and available >= 0. `sold` counts units of orders not yet shipped; shipped units leave
 * onHand. Every change bumps `version` and appends one ledger entry, so the ledger sums
 * to the counters.
 */
export type Availability = 'in_stock' | 'low_stock' | 'out_of_stock';

export interface StockCounters {
  readonly shopId: string;
  readonly sku: string;
  readonly onHand: number;
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
  readonly lowStockThreshold: number;
  readonly version: number;
}

/** Signed changes of a movement; zero members may be omitted. */
export interface StockDelta {
  readonly onHand?: number;
  readonly available?: number;
  readonly reserved?: number;
  readonly sold?: number;
}

export type MovementType = 'adjustment' | 'reservation' | 'release' | 'commit' | 'shipment' | 'return' | 'gate_allocation' | 'gate_return';

export interface LedgerEntry {
  readonly shopId: string;
  readonly sku: string;
  /** The counters' version after this movement: the ledger's order and uniqueness. */
  readonly version: number;
  readonly type: MovementType;
  readonly reason: string;
  readonly delta: Required<StockDelta>;
  /** What caused it: an adjustment id, reservation id, order id, sale id. */
  readonly reference?: string;
  readonly actor: string;
  readonly at: string;
  readonly note?: string;
}

export const DEFAULT_LOW_STOCK_THRESHOLD = 5;

export function availabilityOf(available: number, lowStockThreshold: number): Availability {
  if (available <= 0) return 'out_of_stock';
  if (available <= lowStockThreshold) return 'low_stock';
  return 'in_stock';
}

export class InsufficientStockError extends DomainError {
  constructor(sku: string, available: number, requested: number) {
    super('insufficient_stock', `SKU ${sku} has ${available} units available; a decrease of ${requested} would make it negative.`, { sku, available });
  }
}

export function zeroCounters(shopId: string, sku: string, lowStockThreshold = DEFAULT_LOW_STOCK_THRESHOLD): StockCounters {
  return { shopId, sku, onHand: 0, available: 0, reserved: 0, sold: 0, lowStockThreshold, version: 0 };
}

/** Applies a movement, refusing anything that breaks the invariant or makes a counter negative. */
export function applyDelta(counters: StockCounters, delta: StockDelta): StockCounters {
  const next = {
    ...counters,
    onHand: counters.onHand + (delta.onHand ?? 0),
    available: counters.available + (delta.available ?? 0),
    reserved: counters.reserved + (delta.reserved ?? 0),
    sold: counters.sold + (delta.sold ?? 0),
    version: counters.version + 1,
  };
  if (next.available < 0) throw new InsufficientStockError(counters.sku, counters.available, -(delta.available ?? 0));
  if (next.reserved < 0 || next.sold < 0 || next.onHand < 0) {
    throw new DomainError('invalid_movement', `The movement would make a counter of ${counters.sku} negative.`);
  }
  if (next.onHand !== next.available + next.reserved + next.sold) {
    throw new DomainError('invalid_movement', `The movement would break onHand = available + reserved + sold for ${counters.sku}.`);
  }
  return next;
}

export function fullDelta(delta: StockDelta): Required<StockDelta> {
  return { onHand: delta.onHand ?? 0, available: delta.available ?? 0, reserved: delta.reserved ?? 0, sold: delta.sold ?? 0 };
}

/** Events published when a SKU's availability level changes (the catalog and alerts consume them). */
export type StockLevelEventType = 'OutOfStock' | 'InventoryLow' | 'BackInStock' | 'StockReplenished';

export interface StockLevelEvent {
  readonly type: StockLevelEventType;
  readonly shopId: string;
  readonly sku: string;
  readonly available: number;
  readonly level: Availability;
  readonly previousLevel: Availability;
  readonly version: number;
}

/**
 * The event of a change of counters, if the availability level moved. Creating counters
 * is not an event: the catalog reads the level of new SKUs when it creates the variant.
 */
export function levelChangeEvent(before: StockCounters | undefined, after: StockCounters): StockLevelEvent | undefined {
  if (!before) return undefined;
  const from = availabilityOf(before.available, before.lowStockThreshold);
  const level = availabilityOf(after.available, after.lowStockThreshold);
  if (from === level) return undefined;
  const type: StockLevelEventType = level === 'out_of_stock' ? 'OutOfStock' : from === 'out_of_stock' ? 'BackInStock' : level === 'low_stock' ? 'InventoryLow' : 'StockReplenished';
  return { type, shopId: after.shopId, sku: after.sku, available: after.available, level, previousLevel: from, version: after.version };
}
