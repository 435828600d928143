import type { LedgerEntry, StockCounters, StockDelta } from './stock';

/** Storage of counters and ledger. Every movement is one atomic, conditional write. */
export interface StockRepository {
  get(shopId: string, sku: string): Promise<StockCounters | undefined>;
  getMany(shopId: string, skus: readonly string[]): Promise<Map<string, StockCounters>>;
  /**
   * Creates counters for SKUs that have none, with `units` on hand and available (and a
   * ledger entry for them); existing counters are left alone. Returns the SKUs created.
   */
  initialize(shopId: string, items: ReadonlyArray<NewStock>, context: { actor: string; at: string }): Promise<string[]>;
  /**
   * Applies the delta and appends the ledger entry in one transaction, refused (with
   * InsufficientStockError or NotFoundError) when the counters are missing or a counter
   * would go negative. Returns the counters after the movement.
   */
  move(movement: Movement): Promise<StockCounters>;
  ledger(shopId: string, sku: string, page: { limit: number; cursor?: string }): Promise<{ items: LedgerEntry[]; nextCursor?: string }>;
}

export interface Movement {
  readonly shopId: string;
  readonly sku: string;
  /** Unique, time-ordered id of this movement (its ledger key). */
  readonly movementId: string;
  readonly delta: StockDelta;
  readonly entry: Omit<LedgerEntry, 'shopId' | 'sku' | 'version' | 'delta'>;
}

export interface NewStock {
  readonly sku: string;
  readonly lowStockThreshold: number;
  /** Units counted at creation. @default 0 */
  readonly units?: number;
}
