import type { FlashSale } from './flash-sale';

/**
 * Capacity warmed before a drop: provisioned concurrency for the functions a sale's start
 * hits at once, from a few minutes before `startsAt` to `endsAt`, sized from the merchant's
 * `expectedEntries`. What drives each warmed function is its load (the spec's `warmForSales`).
 */
export type WarmLoad = 'entries' | 'ticketPolls' | 'ticketDecisions';
export const WARM_LOADS: readonly WarmLoad[] = ['entries', 'ticketPolls', 'ticketDecisions'];

/** Provisioned concurrency per load for one sale. */
export type WarmCapacity = Readonly<Record<WarmLoad, number>>;

/** How early the capacity is there: provisioned environments take a few minutes to initialize. */
export const WARM_LEAD_SECONDS = 300;
/** Without `expectedEntries`: the design's drop, 50 entries per unit (500,000 for 10,000 units). */
export const DEFAULT_ENTRIES_PER_UNIT = 50;
/** The crowd of a drop arrives within its first seconds: the expected entries are spread over this long at most. */
export const ARRIVAL_SECONDS = 10;
/** Head room over the steady-state concurrency (Little's law): bursts within a second, slower Redis round trips. */
export const HEADROOM = 2;

export interface WarmLimits {
  /** The entry route's throttle (requests/s): entries above it are refused by API Gateway and need no Lambda. */
  readonly entryRatePerSecond: number;
  /** The ticket route's throttle (requests/s). */
  readonly pollRatePerSecond: number;
  /** The ticket worker's event source maximum concurrency. */
  readonly decisionConcurrency: number;
  /** Seconds one entry takes in the function (two Redis round trips, the cached sale). @default 0.015 */
  readonly entrySeconds?: number;
  /** Seconds one ticket poll takes. @default 0.012 */
  readonly pollSeconds?: number;
  /** Most provisioned concurrency the account can give a sale, all functions together (unreserved concurrency minus what other traffic needs). */
  readonly budget: number;
}

/** Clients poll a queued ticket about once a second (POLL_AFTER_MS). */
const POLLS_PER_TICKET_SECOND = 1;
/** Admission cap: the units plus 10% are ticketed (see the gate). */
const TICKETS_PER_UNIT = 1.1;

/**
 * The provisioned concurrency of each warmed function for a sale (Little's law: requests per
 * second at the start's peak × seconds per request × head room), each at least 1, and scaled
 * down together, in proportion, when their sum passes the budget.
 */
export function warmCapacity(sale: { readonly units: number; readonly expectedEntries?: number | undefined }, limits: WarmLimits): WarmCapacity {
  if (!Number.isInteger(sale.units) || sale.units < 1) throw new RangeError(`units must be a positive integer, got ${sale.units}`);
  if (sale.expectedEntries !== undefined && (!Number.isInteger(sale.expectedEntries) || sale.expectedEntries < 1)) {
    throw new RangeError(`expectedEntries must be a positive integer, got ${sale.expectedEntries}`);
  }
  if (!(limits.budget >= WARM_LOADS.length)) throw new RangeError(`the budget must allow at least 1 per warmed function, got ${limits.budget}`);
  const entries = sale.expectedEntries ?? sale.units * DEFAULT_ENTRIES_PER_UNIT;
  const tickets = Math.min(entries, Math.ceil(sale.units * TICKETS_PER_UNIT));
  const entryRate = Math.min(entries / ARRIVAL_SECONDS, limits.entryRatePerSecond);
  const pollRate = Math.min(tickets * POLLS_PER_TICKET_SECOND, limits.pollRatePerSecond);
  const wanted: WarmCapacity = {
    entries: Math.max(1, Math.ceil(entryRate * (limits.entrySeconds ?? 0.015) * HEADROOM)),
    ticketPolls: Math.max(1, Math.ceil(pollRate * (limits.pollSeconds ?? 0.012) * HEADROOM)),
    // The worker decides batches of 10 tickets; never more at once than its event source allows.
    ticketDecisions: Math.max(1, Math.min(limits.decisionConcurrency, Math.ceil(tickets / 10))),
  };
  const total = WARM_LOADS.reduce((sum, load) => sum + wanted[load], 0);
  if (total <= limits.budget) return wanted;
  // Each keeps 1; what the budget has beyond that is shared in proportion to what each wanted beyond 1.
  const share = (limits.budget - WARM_LOADS.length) / (total - WARM_LOADS.length);
  const scaled = (load: WarmLoad) => 1 + Math.floor((wanted[load] - 1) * share);
  return { entries: scaled('entries'), ticketPolls: scaled('ticketPolls'), ticketDecisions: scaled('ticketDecisions') };
}

/** When a sale's capacity goes up and back down: `WARM_LEAD_SECONDS` before its start (or now, if that is past), and its end. */
export function warmWindow(sale: Pick<FlashSale, 'startsAt' | 'endsAt'>, now: Date): { readonly warmAt: Date; readonly coolAt: Date } {
  const lead = Date.parse(sale.startsAt) - WARM_LEAD_SECONDS * 1000;
  return { warmAt: new Date(Math.max(lead, now.getTime())), coolAt: new Date(sale.endsAt) };
}

/** A sale's warm-up as scheduled. */
export interface WarmSchedule {
  readonly shopId: string;
  readonly saleId: string;
  readonly warmAt: Date;
  readonly coolAt: Date;
  readonly capacity: WarmCapacity;
}

/**
 * Schedules capacity around sales (Application Auto Scaling in AWS, the local runtime's
 * warm-up locally). Idempotent per sale: scheduling again replaces the sale's schedule.
 */
export interface CapacityScheduler {
  schedule(warm: WarmSchedule): Promise<void>;
  /** The sale closed: what is left of its schedule is removed (capacity already back to 0 at its end stays so). */
  release(sale: Pick<FlashSale, 'shopId' | 'saleId'>, now: Date): Promise<void>;
}
