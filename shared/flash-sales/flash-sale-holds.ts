import { ConflictError, NotFoundError } from '#shared/errors';
import { ReservationNotActiveError, type ReservationLine } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';

/**
 * A won ticket's hold as checkout sees it: a reservation of the inventory (held from the
 * gate's allocation), owned by the customer who won it. A win is decided in Redis and its
 * hold written to DynamoDB after (by the hold recorder); a claim that comes first writes it. Checkout commits it like any
 * reservation; an unused one ends (expiry, or released after a declined payment) and the
 * sale gives its units back to the gate.
 */
export interface FlashSaleHoldsDeps {
  readonly reservations: Pick<Reservations, 'get' | 'release'>;
  /**
   * Writes a won hold that the hold recorder has not written to DynamoDB yet, from the sale's
   * state in Redis (run-sales' recordHoldOf): false when it is no live win of this customer.
   * @default none: a hold not in DynamoDB does not exist
   */
  readonly recordHoldOf?: (shopId: string, holdId: string, customerId: string) => Promise<boolean>;
}

export function makeFlashSaleHolds({ reservations, recordHoldOf }: FlashSaleHoldsDeps) {
  return {
    async claim(shopId: string, holdId: string, customerId: string): Promise<{ saleId: string; reservationId: string; lines: readonly ReservationLine[] }> {
      let hold = await reservations.get(shopId, holdId);
      // A fast winner may claim before the recorder wrote the hold: checkout writes it itself.
      if (!hold && recordHoldOf && (await recordHoldOf(shopId, holdId, customerId))) hold = await reservations.get(shopId, holdId);
      const { saleId, customerId: owner } = parseHoldReference(hold?.reference);
      if (!hold || hold.source !== 'flash_sale' || owner !== customerId || !saleId) throw new NotFoundError(`Flash-sale hold ${holdId} does not exist or is not yours.`);
      if (hold.status !== 'ACTIVE') throw new ConflictError('hold_expired', `Flash-sale hold ${holdId} is ${hold.status.toLowerCase()}; enter the sale again while it is live.`);
      return { saleId, reservationId: hold.reservationId, lines: hold.lines };
    },

    /** Ends an unused hold now (its payment was declined): the units go back to the sale. */
    async release(shopId: string, holdId: string): Promise<void> {
      await reservations.release(shopId, holdId, 'checkout').catch((error: unknown) => {
        if (!(error instanceof ReservationNotActiveError)) throw error;
      });
    },
  };
}

export type FlashSaleHoldsUseCase = ReturnType<typeof makeFlashSaleHolds>;

/**
 * A hold's reference: `<saleId>:<customerId>:<ticket>`, and `:g<generation>` after it when
 * the sale's Redis state was rebuilt (the customer id may contain colons). The generation
 * tells a hold from before a rebuild from the new ticket with the same number.
 */
export function holdReference(saleId: string, customerId: string, ticket: number, generation = 0): string {
  return `${saleId}:${customerId}:${ticket}${generation > 0 ? `:g${generation}` : ''}`;
}

export function parseHoldReference(reference: string | undefined): { saleId?: string; customerId?: string; ticket?: number; generation?: number } {
  const parts = (reference ?? '').split(':');
  const generation = parts.length >= 4 && /^g\d+$/.test(parts.at(-1)!) ? Number(parts.pop()!.slice(1)) : 0;
  if (parts.length < 3) return {};
  return { saleId: parts[0]!, customerId: parts.slice(1, -1).join(':'), ticket: Number(parts.at(-1)), generation };
}
