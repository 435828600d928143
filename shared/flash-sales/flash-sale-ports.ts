import type { FlashSale, SaleCounts, SaleStatus, Ticket } from './flash-sale';

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
  /** Closed sales whose holds may still end or become orders (a close lists the sale here). */
  settling(limit: number): Promise<Array<{ shopId: string; saleId: string }>>;
  /** Every hold of a closed sale is settled: the report is final and the sale leaves the settling list. */
  settled(shopId: string, saleId: string, report: SaleReport): Promise<void>;
}

export interface SaleReport extends SaleCounts {
  readonly closedAt?: string;
}

export type EntryOutcome =
  | { readonly kind: 'queued'; readonly ticket: number; readonly fresh: boolean; /** The generation of the state that issued it (0 unless rebuilt). */ readonly generation?: number }
  | { readonly kind: 'decided'; readonly ticket: Ticket }
  | { readonly kind: 'sold_out'; /** The admission is full and this caller is the one to (re)flag the entries closed at the edge. */ readonly closeEntriesAtEdge?: true };

export type Decision =
  | { readonly kind: 'won'; readonly ticket: Ticket & { holdId: string; holdExpiresAt: string }; readonly fresh: boolean }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'lost' }
  | { readonly kind: 'expired' }
  /** The ticket was issued by another generation of the sale's state: nothing decided. */
  | { readonly kind: 'stale' };

/** The decisions of one decision call: one per ticket asked for (in order), and how many queued tickets it decided ahead. */
export interface BatchDecision {
  readonly decisions: ReadonlyArray<{ readonly kind: 'won' | 'waiting' | 'lost' | 'expired' | 'stale'; /** Decided by this call (not before). */ readonly fresh: boolean }>;
  readonly decidedAhead: number;
}

/** A won ticket whose hold is not known to be in DynamoDB: what recording the hold needs. */
export interface UnrecordedWin {
  readonly ticket: number;
  readonly holdId: string;
  readonly holdExpiresAt: string;
  readonly quantity: number;
  readonly customerId: string;
}

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
  /**
   * Decides `tickets` as `decide` does, in one atomic step, then up to `ahead` of the
   * oldest queued tickets in line order (decided ahead of their messages, which then find
   * them decided). A winner's hold is decided and kept in Redis at once, and listed as
   * unrecorded until the hold recorder (or checkout's claim, or the minute job) writes it
   * to DynamoDB.
   */
  decideBatch(sale: FlashSale, tickets: readonly number[], now: Date, ahead: number): Promise<BatchDecision>;
  /** Takes the sale's hold-recorder turn (one recorder per sale at a time) for `ttlMs`: answers its token, or undefined when another has it. */
  recorderTurn(sale: FlashSale, ttlMs: number): Promise<string | undefined>;
  /** Gives the turn back (only the turn of this token: one that ran out and passed to another is left alone). */
  endRecorderTurn(sale: FlashSale, token: string): Promise<void>;
  ticket(sale: FlashSale, ticket: number): Promise<Ticket | undefined>;
  /**
   * A hold ended unused (expired, payment declined): its units go back to the gate once,
   * only if the ticket holds exactly that hold in this generation (a hold from before a
   * rebuild never ends the new ticket with its number); answers the waiting tickets to
   * decide next (none: the admission cap rises instead).
   */
  holdEnded(sale: FlashSale, ticket: number, holdId: string): Promise<{ returned: number; next: number[] }>;
  /** A hold of an earlier generation ended: its units (kept out of the rebuilt gate) go back to the gate, once per hold. */
  foreignHoldEnded(sale: FlashSale, holdId: string, units: number): Promise<{ returned: number; next: number[] }>;
  /** The winner's hold is recorded in DynamoDB: the job need not check it any more. */
  holdRecorded(sale: FlashSale, ticket: number): Promise<void>;
  /** The winners' holds are recorded in DynamoDB (a batch of the recorder). */
  holdsRecorded(sale: FlashSale, tickets: readonly number[]): Promise<void>;
  /**
   * An order was placed on a hold: counted once per order; when it is the ticket's own hold
   * of this generation, its units are no longer held (once per ticket). When that was the
   * last open hold of an empty gate, answers the waiting tickets (all lose now).
   */
  orderPlaced(sale: FlashSale, order: { orderId: string; units: number; ticket?: number; holdId?: string }): Promise<number[]>;
  /** The customer's ticket in this generation, if any. */
  customerTicket(sale: FlashSale, customerId: string): Promise<number | undefined>;
  /** What the minute job heals: queued tickets entered before `queuedBefore`, won tickets decided before `decidedBefore` without a recorded hold, open holds expired before `expiredBefore`. */
  overdue(sale: FlashSale, bounds: { queuedBefore: Date; decidedBefore: Date; expiredBefore: Date }, limit: number): Promise<{ queued: number[]; unrecorded: number[]; expiredHolds: number[] }>;
  /** Won tickets whose hold is not known to be recorded (the oldest decisions first, at most `limit`), with their holds. */
  unrecorded(sale: FlashSale, limit?: number): Promise<UnrecordedWin[]>;
  /** The gate's units and the units of won tickets not known to be recorded, read together (one script). */
  gateSnapshot(sale: FlashSale): Promise<{ inGate: number; outstanding: number }>;
  /** Recounts the units held from the open holds; answers the count before and after. */
  recountHeld(sale: FlashSale): Promise<{ before: number; after: number }>;
  /** True when the last run saw the same nonzero gate discrepancy (forgotten then, and when zero). */
  sameDriftAsLastRun(sale: FlashSale, discrepancy: number): Promise<boolean>;
  /** Adds to the report's counters kept by the job: redriven, repaired, unitsReturned. */
  count(sale: FlashSale, field: 'redriven' | 'repaired' | 'unitsReturned', n: number): Promise<void>;
  counts(sale: FlashSale): Promise<SaleCounts>;
  /** The tickets waiting in line, in order. */
  waiting(sale: FlashSale): Promise<number[]>;
  /** Refuses when the customer or the whole sale is over its rate; answers the wait in ms. */
  admit(sale: FlashSale, customerId: string, now: Date): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}

/** A unit movement a sharded sale owes its sub-gates (its give-back outbox): a take's units back, or units restored once. */
export interface GiveBack {
  /** The take id (a ticket's hold, per attempt), or `restore:<id>` for units restored once. */
  readonly id: string;
  /** The sub-gate of the take; absent when unknown (a cancelled walk: every sub-gate is released). */
  readonly shard?: number;
  /** The units of a restore. */
  readonly units?: number;
}

/**
 * What only a sale on N sub-gates (gateShards > 1) needs besides SaleState, whose decisions,
 * hold ends and counts already work on the sub-gates. Every step is idempotent: a unit
 * movement between the sale's slot and a sub-gate's is written first to the sale's outbox
 * (in the same script as the ticket's change), then applied under its id, then removed.
 */
export interface SaleSubGates {
  /** Movements owed to the sub-gates (hold ends, cancelled walks, earlier generations' holds), at most `limit`. */
  giveBacks(sale: FlashSale, limit: number): Promise<GiveBack[]>;
  /** Applies one (idempotent): units back into an open sub-gate, or `closed` units that found it collected (the caller's, for available; the same on a retry). */
  giveBack(sale: FlashSale, entry: GiveBack): Promise<{ returned: number; closed: number }>;
  /** The movement is done: out of the outbox. */
  givenBack(sale: FlashSale, id: string): Promise<void>;
  /** Tickets whose walk over the sub-gates began before `before` and was not settled (a crash, a timeout), at most `limit`. */
  stuckWalks(sale: FlashSale, before: Date, limit: number): Promise<number[]>;
  /** The end: every sub-gate closed; answers the units left in them, the same on every call. */
  collect(sale: FlashSale): Promise<number>;
  /** Adds `n` to a report counter once per `id` (a step retried after a crash counts once). */
  countOnce(sale: FlashSale, id: string, field: 'unitsReturned', n: number): Promise<void>;
  /** Adds units to the sub-gates once per `id` (a repair, a rebuild): answers the units that found them closed (the caller's). */
  restore(sale: FlashSale, id: string, units: number): Promise<{ restored: number; closed: number }>;
  /** Takes up to `max` units out of the open sub-gates (a repair); answers how many. */
  withdraw(sale: FlashSale, max: number): Promise<number>;
  /** The sale is sold out for good (every sub-gate empty, no hold open): its entries are answered sold_out, as on one gate. */
  soldOut(sale: FlashSale): Promise<void>;
}

/** The virtual queue: admitted tickets, in order per message group, deduplicated by ticket. */
export interface TicketQueue {
  send(sale: FlashSale, ticket: number): Promise<void>;
}

/**
 * The flags the CDN edge answers from: once a sale is sold out for good or ended, its flag
 * (the sale's public view, status included) lets the edge answer entries and the sale's page
 * without reaching the API. Written at most once per sale and status; a flag is never removed.
 * While a live sale's admission is full, its flag is the live view with `entriesClosedUntil`
 * (epoch ms): until then the edge answers entries sold_out (see ENTRIES_CLOSED_VALID_MS).
 */
export interface EdgeFlags {
  flag(shopId: string, saleId: string, view: EdgeFlag): Promise<void>;
}

export type EdgeFlag = PublicSaleView & { readonly entriesClosedUntil?: number };

/** What anyone may see of a sale (GET .../flash-sales/{saleId}). */
export interface PublicSaleView {
  readonly saleId: string;
  readonly sku: string;
  readonly status: SaleStatus;
  readonly units: number;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly perCustomerLimit: number;
  readonly holdSeconds: number;
}

export function publicSaleView(sale: FlashSale & { status: SaleStatus }): PublicSaleView {
  const { saleId, sku, status, units, startsAt, endsAt, perCustomerLimit, holdSeconds } = sale;
  return { saleId, sku, status, units, startsAt, endsAt, perCustomerLimit, holdSeconds };
}
