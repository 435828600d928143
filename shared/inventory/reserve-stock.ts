import { newId } from '#shared/ids';
import type { ReservationRepository } from './inventory-ports';
import { DEFAULT_RESERVATION_SECONDS, MAX_GATE_HOLDS_PER_BATCH, normalizeLines, ReservationNotActiveError, type Reservation, type ReservationLine } from './reservations';
import { now as platformNow } from '#shared/platform/clock';

/**
 * Reservation use cases: reserve (all lines or nothing, for a while), commit, release,
 * and the sweeper that releases what expired. DynamoDB TTL only deletes old records
 * later; it is never what returns stock.
 */
export interface ReserveInput {
  readonly shopId: string;
  readonly lines: readonly ReservationLine[];
  readonly source: string;
  readonly reference?: string;
  /** @default RESERVATION_SECONDS of the deployment, else 15 minutes */
  readonly expiresInSeconds?: number;
  /** Give the id to make a retried request reserve once. */
  readonly reservationId?: string;
  /** Hold units of the Redis gate's allocation (taken in Redis already) rather than available ones. */
  readonly fromGate?: boolean;
}

/** A hold taken through the gate, to record: its id, units, owner reference and expiry. */
export interface GateHoldInput {
  readonly reservationId: string;
  readonly quantity: number;
  readonly source: string;
  readonly reference: string;
  readonly expiresAt: string;
}

export interface ReservationDeps {
  readonly reservations: ReservationRepository;
  readonly clock?: () => Date;
  readonly defaultSeconds?: number;
}

export function makeReservations({ reservations, clock = platformNow, defaultSeconds = DEFAULT_RESERVATION_SECONDS }: ReservationDeps) {
  return {
    async reserve(input: ReserveInput): Promise<Reservation> {
      const now = clock();
      const seconds = input.expiresInSeconds ?? defaultSeconds;
      return reservations.create({
        shopId: input.shopId,
        reservationId: input.reservationId ?? newId('res', now.getTime()),
        lines: normalizeLines(input.lines),
        status: 'ACTIVE',
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(),
        source: input.source,
        ...(input.reference ? { reference: input.reference } : {}),
        ...(input.fromGate ? { fromGate: true } : {}),
      });
    },

    /**
     * Records holds of one SKU already taken through the Redis gate (flash-sale winners) in
     * batches: one transaction of up to MAX_GATE_HOLDS_PER_BATCH holds and one update of the
     * gate's allocation. Idempotent per hold id; answers how many were written now.
     */
    async reserveFromGate(shopId: string, sku: string, holds: readonly GateHoldInput[]): Promise<number> {
      const createdAt = clock().toISOString();
      let written = 0;
      for (let i = 0; i < holds.length; i += MAX_GATE_HOLDS_PER_BATCH) {
        const batch = holds.slice(i, i + MAX_GATE_HOLDS_PER_BATCH).map((hold): Reservation => ({
          shopId,
          reservationId: hold.reservationId,
          lines: normalizeLines([{ sku, quantity: hold.quantity }]),
          status: 'ACTIVE',
          createdAt,
          expiresAt: hold.expiresAt,
          source: hold.source,
          reference: hold.reference,
          fromGate: true,
        }));
        written += await reservations.createFromGate(shopId, sku, batch);
      }
      return written;
    },

    get: (shopId: string, reservationId: string): Promise<Reservation | undefined> => reservations.get(shopId, reservationId),

    async commit(shopId: string, reservationId: string, actor = 'checkout'): Promise<Reservation> {
      return (await reservations.finish(shopId, reservationId, 'COMMITTED', { actor, at: clock().toISOString() })).reservation;
    },

    async release(shopId: string, reservationId: string, actor = 'checkout'): Promise<Reservation> {
      return (await reservations.finish(shopId, reservationId, 'RELEASED', { actor, at: clock().toISOString() })).reservation;
    },

    /** Releases every active reservation past its expiry; safe to run twice at once. */
    async sweepExpired(options: { batch?: number; maxBatches?: number } = {}): Promise<{ expired: number; alreadyFinished: number }> {
      let expired = 0;
      let alreadyFinished = 0;
      for (let round = 0; round < (options.maxBatches ?? 20); round++) {
        const now = clock().toISOString();
        const due = await reservations.expired(now, options.batch ?? 100);
        if (due.length === 0) break;
        await Promise.all(
          due.map(async ({ shopId, reservationId }) => {
            try {
              const { changed } = await reservations.finish(shopId, reservationId, 'EXPIRED', { actor: 'sweeper', at: now });
              if (changed) expired += 1;
              else alreadyFinished += 1;
            } catch (error) {
              if (!(error instanceof ReservationNotActiveError)) throw error;
              alreadyFinished += 1; // committed or released between the query and now
            }
          }),
        );
      }
      return { expired, alreadyFinished };
    },
  };
}

export type Reservations = ReturnType<typeof makeReservations>;
