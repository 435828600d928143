import { DomainError, ValidationError } from '#shared/errors';

/**
 * A flash sale: `units` of one SKU sold from the Redis gate between `startsAt` and
 * `endsAt`, at most `perCustomerLimit` per customer, each win held `holdSeconds` for
 * checkout. Its status is derived, never stored: upcoming before the start, ended after
 * the end (or once closed), sold_out when the gate is empty and no hold is open, else live.
 */
export type SaleStatus = 'upcoming' | 'live' | 'sold_out' | 'ended';

export interface FlashSale {
  readonly shopId: string;
  readonly saleId: string;
  readonly sku: string;
  readonly units: number;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly perCustomerLimit: number;
  readonly holdSeconds: number;
  readonly createdAt: string;
  /** Set when the end-of-sale job returned the gate's units and wrote the report. */
  readonly closedAt?: string;
  /** Bumped each time the sale's Redis state is rebuilt after a loss, so new tickets never reuse old ids. @default 0 */
  readonly generation?: number;
  /**
   * Sub-gates the units are split over (gate-shards.ts), chosen at creation from the expected
   * entries: absent (1) is the SKU's one gate on the shop's slot; N > 1 puts the units in N
   * sub-gates on N hash slots (adapters/redis/sharded-gate.ts).
   */
  readonly gateShards?: number;
}

/** The sale's number of sub-gates: 1 for the SKU's one gate. */
export const gateShardsOf = (sale: Pick<FlashSale, 'gateShards'>) => sale.gateShards ?? 1;
export const isSharded = (sale: Pick<FlashSale, 'gateShards'>) => gateShardsOf(sale) > 1;

/** Live counts of a sale (Redis), the basis of its status and report. */
export interface SaleCounts {
  /** Units still in the gate. */
  readonly inGate: number;
  /** Units held by winners who have not checked out yet. */
  readonly held: number;
  readonly entries: number;
  readonly tickets: number;
  readonly won: number;
  readonly lost: number;
  readonly expired: number;
  readonly orders: number;
  readonly soldOutAnswers: number;
  readonly waiting: number;
  /** Units of orders placed on holds, and units the sale gave back to available. */
  readonly unitsSold: number;
  readonly unitsReturned: number;
  /** Tickets the minute job decided because no worker had, and states it repaired (holds, counts, the gate). */
  readonly redriven: number;
  readonly repaired: number;
}

export const MAX_HOLD_SECONDS = 3600;

/**
 * While a live sale's admission is full (every ticket issued, a line still waiting for the
 * units of open holds), its entries are answered sold_out; the edge answers them too, from a
 * flag valid for ENTRIES_CLOSED_VALID_MS, rewritten by one entry every ENTRIES_CLOSED_REFRESH_MS
 * while the admission stays full. The flag expires on its own, so a reopened admission (a hold
 * ended with nobody waiting) is answered by the API again at most that long after.
 */
export const ENTRIES_CLOSED_REFRESH_MS = 5_000;
export const ENTRIES_CLOSED_VALID_MS = 10_000;
/** Tickets admitted past the units: winners who never check out free units for these. */
export const admissionBuffer = (units: number) => Math.max(10, Math.ceil(units * 0.1));

export function saleStatus(sale: FlashSale, counts: Pick<SaleCounts, 'inGate' | 'held'> | undefined, now: Date): SaleStatus {
  if (sale.closedAt || now.getTime() >= Date.parse(sale.endsAt)) return 'ended';
  if (now.getTime() < Date.parse(sale.startsAt)) return 'upcoming';
  if (counts && counts.inGate <= 0 && counts.held <= 0) return 'sold_out';
  return 'live';
}

export function validateSale(input: { units: number; startsAt: string; endsAt: string; perCustomerLimit: number; holdSeconds: number }, now: Date): void {
  const errors: Array<{ path: string; message: string }> = [];
  if (Date.parse(input.endsAt) <= Date.parse(input.startsAt)) errors.push({ path: 'body.endsAt', message: 'after startsAt' });
  if (Date.parse(input.endsAt) <= now.getTime()) errors.push({ path: 'body.endsAt', message: 'in the future' });
  if (input.perCustomerLimit > input.units) errors.push({ path: 'body.perCustomerLimit', message: 'at most the units of the sale' });
  if (input.holdSeconds > MAX_HOLD_SECONDS) errors.push({ path: 'body.holdSeconds', message: `at most ${MAX_HOLD_SECONDS}` });
  if (errors.length > 0) throw new ValidationError('The flash sale is invalid.', errors);
}

export class SaleNotStartedError extends DomainError {
  constructor(startsAt: string) {
    super('not_started', `The sale starts at ${startsAt}; entries open then.`, { startsAt });
  }
}

export class SaleEndedError extends DomainError {
  constructor(endsAt: string) {
    super('ended', `The sale ended at ${endsAt}.`, { endsAt });
  }
}

/** What a customer's entry turned into. */
export type TicketStatus = 'queued' | 'won' | 'lost' | 'expired';

export interface Ticket {
  readonly ticket: number;
  readonly customerId: string;
  readonly quantity: number;
  readonly status: TicketStatus;
  /** Approximate number of tickets ahead while queued. */
  readonly position?: number;
  readonly holdId?: string;
  readonly holdExpiresAt?: string;
  /** Won in Redis, its hold not yet known to be in DynamoDB (the hold recorder writes it, or checkout's claim, or the minute job). */
  readonly holdUnrecorded?: boolean;
}

/** The hold of a winning ticket: a reservation of the inventory, id derived from the ticket (and the state's generation). */
export const holdIdOf = (saleId: string, ticket: number, generation = 0) => `${holdIdPrefixOf(saleId, generation)}${ticket}`;

/** What every hold id of a sale's generation starts with (the ticket number follows): the decision script builds hold ids from it. */
export const holdIdPrefixOf = (saleId: string, generation = 0) => (generation > 0 ? `hold_${saleId}_g${generation}_` : `hold_${saleId}_`);

/** The sale, ticket and generation a hold id was made from (holdIdOf), or undefined for any other id. */
export function parseHoldId(holdId: string): { saleId: string; ticket: number; generation: number } | undefined {
  const match = /^hold_(.+?)(?:_g(\d+))?_(\d+)$/.exec(holdId);
  if (!match) return undefined;
  return { saleId: match[1]!, ticket: Number(match[3]), generation: match[2] === undefined ? 0 : Number(match[2]) };
}

/** Whether tickets may still be decided: not after the sale's end (a late decision loses). */
export const isOver = (sale: FlashSale, now: Date) => Boolean(sale.closedAt) || now.getTime() >= Date.parse(sale.endsAt);
