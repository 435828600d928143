import type { Reservation } from './reservations';
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
  /** Units of the SKU allocated to the Redis gate (reserved in the counters), per DynamoDB. */
  gateAllocation(shopId: string, sku: string): Promise<number>;
}

export interface Movement {
  readonly shopId: string;
  readonly sku: string;
  /** Unique, time-ordered id of this movement (its ledger key). */
  readonly movementId: string;
  readonly delta: StockDelta;
  readonly entry: Omit<LedgerEntry, 'shopId' | 'sku' | 'version' | 'delta'>;
  /** Change of the units allocated to the Redis gate, in the same transaction (never below zero). */
  readonly gateAllocation?: number;
}

export interface NewStock {
  readonly sku: string;
  readonly lowStockThreshold: number;
  /** Units counted at creation. @default 0 */
  readonly units?: number;
}

/** Reservations: each method is one DynamoDB transaction with the counters and the ledger. */
export interface ReservationRepository {
  /** Holds every line or nothing (OutOfStockError naming the short SKUs). Creating an existing id answers it unchanged. */
  create(reservation: Reservation): Promise<Reservation>;
  get(shopId: string, reservationId: string): Promise<Reservation | undefined>;
  /**
   * Holds of one SKU taken through the Redis gate (flash-sale winners), in one transaction:
   * each hold's record (a conditional put) and ONE update of the SKU's gate allocation by
   * their units together, so a batch of winners costs the allocation item one write. At
   * most MAX_GATE_HOLDS_PER_BATCH. Holds already recorded are left out (a re-run writes
   * nothing twice); answers how many were written. OutOfStockError when the allocation
   * does not have their units.
   */
  createFromGate(shopId: string, sku: string, holds: readonly Reservation[]): Promise<number>;
  /**
   * Moves an ACTIVE reservation to `to`: COMMITTED (reserved → sold) or RELEASED / EXPIRED
   * (reserved → available). Returns the reservation after; a reservation already in `to`
   * is answered as it is (a retry; `changed` false), one in another final state is
   * ReservationNotActiveError.
   */
  finish(shopId: string, reservationId: string, to: 'COMMITTED' | 'RELEASED' | 'EXPIRED', context: { actor: string; at: string }): Promise<{ reservation: Reservation; changed: boolean }>;
  /** Active reservations whose expiry is before `now`, oldest first. */
  expired(now: string, limit: number): Promise<Array<{ shopId: string; reservationId: string }>>;
}
