import { DomainError, ValidationError } from '#shared/errors';

/**
 * A reservation holds units of several SKUs for a while: reserved all or nothing, then
 * committed (the order was placed: reserved → sold) or released (reserved → available),
 * by its owner or by the sweeper once it expires. Each transition happens once: it is
 * conditional on the reservation still being ACTIVE, so retries, duplicates and two
 * sweepers at once change the counters once.
 */
export type ReservationStatus = 'ACTIVE' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

export interface ReservationLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface Reservation {
  readonly shopId: string;
  readonly reservationId: string;
  readonly lines: readonly ReservationLine[];
  readonly status: ReservationStatus;
  readonly expiresAt: string;
  readonly createdAt: string;
  /** Who holds it: `checkout`, `cart`, `flash_sale`; and what for (an order or cart id). */
  readonly source: string;
  readonly reference?: string;
  /** Held from the Redis gate's allocation (a flash-sale hold) rather than from `available`. */
  readonly fromGate?: boolean;
}

export const DEFAULT_RESERVATION_SECONDS = 15 * 60;
/** Each line is two writes (counters, ledger) and the reservation one more: 1 + 2 × 49 ≤ 100. */
export const MAX_RESERVATION_LINES = 49;
/** Gate holds recorded in one transaction: 99 puts and the one allocation update fill DynamoDB's 100 writes. */
export const MAX_GATE_HOLDS_PER_BATCH = 99;

export class OutOfStockError extends DomainError {
  constructor(readonly skus: readonly string[]) {
    super('out_of_stock', `Not enough stock of ${skus.join(', ')}; nothing was reserved.`, { skus });
  }
}

export class ReservationNotActiveError extends DomainError {
  constructor(reservationId: string, status: ReservationStatus) {
    super('reservation_not_active', `Reservation ${reservationId} is ${status.toLowerCase()}, no longer active.`, { status });
  }
}

/** Merges lines of the same SKU and checks quantities. */
export function normalizeLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1) {
      throw new ValidationError('Each line reserves a whole number of units, at least 1.', [{ path: `lines.${line.sku}.quantity`, message: 'a whole number >= 1' }]);
    }
    merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.quantity);
  }
  if (merged.size === 0) throw new ValidationError('A reservation needs at least one line.', [{ path: 'lines', message: 'at least one line' }]);
  if (merged.size > MAX_RESERVATION_LINES) {
    throw new ValidationError(`A reservation holds at most ${MAX_RESERVATION_LINES} SKUs.`, [{ path: 'lines', message: `at most ${MAX_RESERVATION_LINES} SKUs` }]);
  }
  return [...merged.entries()].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : 1));
}
