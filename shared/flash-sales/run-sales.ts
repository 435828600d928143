import { NotFoundError, RateLimitedError, ValidationError } from '#shared/errors';
import type { GateAllocation } from '#shared/inventory/gate-allocation';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { newId } from '#shared/ids';
import { crashPoint } from '#shared/platform/crash-points';
import { holdReference } from './flash-sale-holds';
import { isOver, SaleEndedError, SaleNotStartedError, saleStatus, validateSale, type FlashSale, type SaleStatus, type Ticket } from './flash-sale';
import type { SaleReport, SaleRepository, SaleState, TicketQueue } from './flash-sale-ports';

/**
 * The flash-sale use cases: create a sale (its units move into the gate), show it, take
 * entries (rate limited, one ticket per customer, sold out past the cap without queueing),
 * decide queued tickets (the worker), end unused holds (their units back to the gate and
 * the next waiting tickets decided), and close ended sales (the gate's units back to
 * available, reconciled, reported).
 */
export interface RunSalesDeps {
  readonly sales: SaleRepository;
  readonly state: SaleState;
  readonly queue: TicketQueue;
  readonly allocation: Pick<GateAllocation, 'allocate' | 'returnUnits' | 'reconcile'>;
  readonly reservations: Pick<Reservations, 'reserve'>;
  readonly clock?: () => Date;
}

export type CreateSaleInput = Pick<FlashSale, 'shopId' | 'sku' | 'units' | 'startsAt' | 'endsAt' | 'perCustomerLimit' | 'holdSeconds'> & { readonly actor: string };

export type EntryAnswer = { readonly status: 'queued'; readonly ticket: number; readonly pollAfterMs: number } | { readonly status: 'sold_out' } | { readonly status: 'decided'; readonly ticket: Ticket };

/** Clients poll this often while queued (a shorter wait would only add load). */
export const POLL_AFTER_MS = 1_000;
/** How long a process reuses a sale record it read (the hot paths only). */
const SALE_CACHE_MS = 1_000;

export function makeRunSales({ sales, state, queue, allocation, reservations, clock = () => new Date() }: RunSalesDeps) {
  async function sale(shopId: string, saleId: string): Promise<FlashSale> {
    const found = await sales.get(shopId, saleId);
    if (!found) throw new NotFoundError(`Flash sale ${saleId} does not exist.`);
    return found;
  }

  /**
   * The hot read paths (every entry, every poll, every page view of a drop) read the sale
   * record at most once a second per process: it is one DynamoDB item that every entry of
   * the sale would otherwise read. What can change in it (closing, a state generation) is
   * checked again where it matters: the close time by the clock, the generation by Redis.
   */
  const cached = new Map<string, { sale: FlashSale; until: number }>();
  async function saleForReading(shopId: string, saleId: string): Promise<FlashSale> {
    const key = `${shopId}#${saleId}`;
    const now = clock().getTime();
    const hit = cached.get(key);
    if (hit && hit.until > now) return hit.sale;
    const fresh = await sale(shopId, saleId);
    if (cached.size > 1_000) cached.clear();
    cached.set(key, { sale: fresh, until: now + SALE_CACHE_MS });
    return fresh;
  }

  /** Records the hold of a winning ticket in DynamoDB (idempotent: the hold id comes from the ticket). */
  async function recordHold(s: FlashSale, ticket: Ticket & { holdId: string; holdExpiresAt: string }): Promise<void> {
    const seconds = Math.max(1, Math.ceil((Date.parse(ticket.holdExpiresAt) - clock().getTime()) / 1000));
    await reservations.reserve({
      shopId: s.shopId,
      lines: [{ sku: s.sku, quantity: ticket.quantity }],
      source: 'flash_sale',
      reference: holdReference(s.saleId, ticket.customerId, ticket.ticket),
      reservationId: ticket.holdId,
      expiresInSeconds: seconds,
      fromGate: true,
    });
  }

  async function decide(s: FlashSale, ticket: number): Promise<'won' | 'waiting' | 'lost' | 'expired'> {
    const decision = await state.decide(s, ticket, clock());
    // Won, now or by an earlier delivery that died before writing the hold: write it (once).
    if (decision.kind === 'won') crashPoint('flash-sale.ticket-won');
    if (decision.kind === 'won') await recordHold(s, decision.ticket);
    return decision.kind;
  }

  return {
    async createSale(input: CreateSaleInput): Promise<FlashSale> {
      const now = clock();
      validateSale(input, now);
      const created: FlashSale = {
        shopId: input.shopId,
        saleId: newId('sale', now.getTime()),
        sku: input.sku,
        units: input.units,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        perCustomerLimit: input.perCustomerLimit,
        holdSeconds: input.holdSeconds,
        createdAt: now.toISOString(),
      };
      // The sale claims its SKU first (one open sale per SKU), then its units leave
      // `available` for the gate (refused when there are not enough: the sale is undone).
      await sales.create(created);
      try {
        await allocation.allocate(input.shopId, input.sku, input.units, { actor: input.actor, reference: created.saleId });
      } catch (error) {
        await sales.discard(created);
        throw error;
      }
      await state.open(created);
      return created;
    },

    async getSale(shopId: string, saleId: string): Promise<FlashSale & { status: SaleStatus }> {
      const s = await saleForReading(shopId, saleId);
      const now = clock();
      const counts = s.closedAt || now < new Date(s.startsAt) ? undefined : await state.counts(s);
      return { ...s, status: saleStatus(s, counts, now) };
    },

    async enter(shopId: string, saleId: string, customerId: string, quantity: number): Promise<EntryAnswer> {
      const s = await saleForReading(shopId, saleId);
      const now = clock();
      if (now < new Date(s.startsAt)) throw new SaleNotStartedError(s.startsAt);
      if (s.closedAt || now >= new Date(s.endsAt)) throw new SaleEndedError(s.endsAt);
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > s.perCustomerLimit) {
        throw new ValidationError(`An entry asks for 1 to ${s.perCustomerLimit} units.`, [{ path: 'body.quantity', message: `a whole number from 1 to ${s.perCustomerLimit}` }]);
      }
      const admitted = await state.admit(s, customerId, now);
      if (!admitted.ok) throw new RateLimitedError('Too many entries; wait before trying again.', Math.ceil(admitted.retryAfterMs / 1000));
      const outcome = await state.enter(s, customerId, quantity, now);
      if (outcome.kind === 'sold_out') return { status: 'sold_out' };
      if (outcome.kind === 'decided') return { status: 'decided', ticket: outcome.ticket };
      // A new ticket, or one whose send may have failed before: (re)send, deduplicated by ticket,
      // under the generation of the Redis state that issued it.
      const generation = outcome.generation ?? s.generation ?? 0;
      await queue.send(generation === (s.generation ?? 0) ? s : { ...s, generation }, outcome.ticket);
      return { status: 'queued', ticket: outcome.ticket, pollAfterMs: POLL_AFTER_MS };
    },

    async ticket(shopId: string, saleId: string, ticket: number, customerId: string): Promise<Ticket> {
      const s = await saleForReading(shopId, saleId);
      const found = await state.ticket(s, ticket);
      // Another customer's ticket does not exist as far as this caller can tell.
      if (!found || found.customerId !== customerId) throw new NotFoundError(`Ticket ${ticket} does not exist.`);
      return found;
    },

    /** The worker: decides one queued ticket; safe to run twice for the same ticket. A ticket of a lost generation of the state decides nothing. */
    async decideTicket(shopId: string, saleId: string, ticket: number, generation = 0) {
      const s = await sale(shopId, saleId);
      if ((s.generation ?? 0) !== generation) return 'lost' as const;
      return decide(s, ticket);
    },

    /**
     * A hold ended unused (expired, released after a declined payment): the units go back
     * to the gate once, the next waiting tickets are decided; after the sale's end the
     * units go straight back to available instead.
     */
    async holdEnded(shopId: string, saleId: string, ticket: number): Promise<{ returned: number; decided: number }> {
      const s = await sale(shopId, saleId);
      const { returned, next } = await state.holdEnded(s, ticket);
      // Waiting tickets are decided in line order: the first win the returned units, the
      // others keep waiting while holds are open (or lose, once the sale is over).
      for (const waiting of next) await decide(s, waiting);
      if (isOver(s, clock()) && returned > 0) {
        // After the end the units go back to available rather than to the gate.
        await allocation.returnUnits(shopId, s.sku, { actor: 'flash-sale', reference: s.saleId }, returned);
      }
      return { returned, decided: next.length };
    },

    async orderPlaced(shopId: string, saleId: string, orderId: string, units: number): Promise<void> {
      const s = await sale(shopId, saleId);
      // The last hold became an order with the gate empty: whoever still waits has lost.
      for (const waiting of await state.orderPlaced(s, orderId, units)) await decide(s, waiting);
    },

    /**
     * After Redis lost its data (a restart without its append-only file, a replacement
     * node): the open sales are opened again and each gate is rebuilt from DynamoDB's
     * allocation, which already excludes the recorded holds. Tickets of the lost state are
     * gone (their queued messages decide nothing); customers enter again. A sale whose state
     * survived is left alone: its gate is only reconciled when the sale closes, as in-flight
     * decisions would make a live comparison wrong.
     */
    async recoverSales(): Promise<Array<{ saleId: string; restored: number }>> {
      const recovered: Array<{ saleId: string; restored: number }> = [];
      for (const { shopId, saleId } of await sales.openSales(100)) {
        if (await state.isOpen(await sale(shopId, saleId))) continue;
        // A new generation: tickets restart at 1, so holds and queue messages must not reuse the lost ones' ids.
        const s = await sales.nextGeneration(shopId, saleId);
        cached.delete(`${shopId}#${saleId}`);
        await state.open(s);
        const { discrepancy } = await allocation.reconcile(shopId, s.sku, 0);
        recovered.push({ saleId, restored: discrepancy });
      }
      return recovered;
    },

    /** The end-of-sale job: closes every sale past its end, once. */
    async closeEndedSales(): Promise<Array<{ saleId: string; report: SaleReport }>> {
      const closed: Array<{ saleId: string; report: SaleReport }> = [];
      const now = clock();
      for (const { shopId, saleId } of await sales.endedOpen(now.toISOString(), 25)) {
        const s = await sale(shopId, saleId);
        // Tickets still waiting lose (the sale is over); then the gate's units go back.
        for (const waiting of await state.waiting(s)) await decide(s, waiting);
        const unitsReturned = await allocation.returnUnits(shopId, s.sku, { actor: 'flash-sale', reference: s.saleId });
        const counts = await state.counts(s);
        // Redis against DynamoDB: what the gate should hold is the allocation minus open holds.
        await allocation.reconcile(shopId, s.sku, 0);
        const report: SaleReport = { ...counts, unitsReturned };
        if (await sales.close(shopId, saleId, report, now.toISOString())) closed.push({ saleId, report });
        cached.delete(`${shopId}#${saleId}`);
      }
      return closed;
    },

    async report(shopId: string, saleId: string): Promise<SaleReport & { status: SaleStatus; closed: boolean }> {
      const s = await sale(shopId, saleId);
      const stored = await sales.report(shopId, saleId);
      const counts = stored ?? { ...(await state.counts(s)), unitsReturned: 0 };
      return { ...counts, status: saleStatus(s, counts, clock()), closed: Boolean(stored) };
    },
  };
}

export type RunSales = ReturnType<typeof makeRunSales>;
