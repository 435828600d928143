import type { FlashSale, SaleCounts, Ticket } from './flash-sale';

/** Sales in DynamoDB: the record, the index of sales still open, the final report. */
export interface SaleRepository {
  /** Records the sale; ConflictError `sale_exists` while another sale of the SKU is open. */
  create(sale: FlashSale): Promise<void>;
  /** Removes a sale that could not get its units (creation undone). */
  discard(sale: FlashSale): Promise<void>;
  get(shopId: string, saleId: string): Promise<FlashSale | undefined>;
  /** Sales not closed yet (live, upcoming, or ended awaiting the close job). */
  openSales(limit: number): Promise<Array<{ shopId: string; saleId: string }>>;
  /** Sales whose end is before `now` and that are not closed yet. */
  endedOpen(now: string, limit: number): Promise<Array<{ shopId: string; saleId: string }>>;
  /** Starts a new generation of the sale's Redis state (after Redis lost it); answers the sale with it. */
  nextGeneration(shopId: string, saleId: string): Promise<FlashSale>;
  /** Marks the sale closed with its report (once; false if it already was). */
  close(shopId: string, saleId: string, report: SaleReport, at: string): Promise<boolean>;
  report(shopId: string, saleId: string): Promise<SaleReport | undefined>;
}

export interface SaleReport extends SaleCounts {
  readonly unitsReturned: number;
  readonly closedAt?: string;
}

export type EntryOutcome =
  | { readonly kind: 'queued'; readonly ticket: number; readonly fresh: boolean; /** The generation of the state that issued it (0 unless rebuilt). */ readonly generation?: number }
  | { readonly kind: 'decided'; readonly ticket: Ticket }
  | { readonly kind: 'sold_out' };

export type Decision =
  | { readonly kind: 'won'; readonly ticket: Ticket & { holdId: string; holdExpiresAt: string }; readonly fresh: boolean }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'lost' }
  | { readonly kind: 'expired' };

/**
 * The live state of sales in Redis, every step one atomic script on the shop's slot
 * (the sale's keys and the inventory gate share the `{shop}` hash tag).
 */
export interface SaleState {
  /** Prepares the sale's counters (its admission cap: units plus a buffer). */
  open(sale: FlashSale): Promise<void>;
  /** Whether Redis still has the sale (false after Redis lost its data). */
  isOpen(sale: FlashSale): Promise<boolean>;
  /** One entry per customer: a ticket number (INCR), the existing ticket, or sold out past the cap. */
  enter(sale: FlashSale, customerId: string, quantity: number, now: Date): Promise<EntryOutcome>;
  /**
   * Runs the gate for a ticket and records the decision, atomically and once: won (the
   * units taken from the gate, a hold until `holdSeconds`), waiting (the gate is empty
   * but holds are open), or lost. A ticket decided before answers that decision again.
   */
  decide(sale: FlashSale, ticket: number, now: Date): Promise<Decision>;
  ticket(sale: FlashSale, ticket: number): Promise<Ticket | undefined>;
  /**
   * A hold ended unused (expired, payment declined): its units go back to the gate once;
   * answers the waiting tickets to decide next (none: the admission cap rises instead).
   */
  holdEnded(sale: FlashSale, ticket: number): Promise<{ returned: number; next: number[] }>;
  /**
   * An order was placed on a hold: counted once per order, its units no longer held. When
   * that was the last open hold of an empty gate, answers the waiting tickets (all lose now).
   */
  orderPlaced(sale: FlashSale, orderId: string, units: number): Promise<number[]>;
  counts(sale: FlashSale): Promise<SaleCounts>;
  /** The tickets waiting in line, in order. */
  waiting(sale: FlashSale): Promise<number[]>;
  /** Refuses when the customer or the whole sale is over its rate; answers the wait in ms. */
  admit(sale: FlashSale, customerId: string, now: Date): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

/** The virtual queue: admitted tickets, in order per message group, deduplicated by ticket. */
export interface TicketQueue {
  send(sale: FlashSale, ticket: number): Promise<void>;
}
