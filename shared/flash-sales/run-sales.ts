import { NotFoundError, RateLimitedError, ValidationError } from '#shared/errors';
import type { GateAllocation } from '#shared/inventory/gate-allocation';
import { MAX_GATE_HOLDS_PER_BATCH, ReservationNotActiveError } from '#shared/inventory/reservations';
import type { Reservations } from '#shared/inventory/reserve-stock';
import { newId } from '#shared/ids';
import { crashPoint } from '#shared/platform/crash-points';
import { holdReference } from './flash-sale-holds';
import {
  ENTRIES_CLOSED_VALID_MS,
  holdIdOf,
  isOver,
  isSharded,
  parseHoldId,
  SaleEndedError,
  SaleNotStartedError,
  saleStatus,
  validateSale,
  type FlashSale,
  type SaleStatus,
  type Ticket,
} from './flash-sale';
import { publicSaleView, type EdgeFlags, type SaleReport, type SaleRepository, type SaleState, type SaleSubGates, type TicketQueue } from './flash-sale-ports';
import { gateShardsFor } from './gate-shards';
import { now as platformNow } from '#shared/platform/clock';
import { ARRIVAL_SECONDS, type CapacityScheduler, type WarmLimits, warmCapacity, warmWindow } from './warm-capacity';
import { pollAfterMs } from './poll-after';
import type { TicketUpdates, TicketView } from './ticket-stream';

/**
 * The flash-sale use cases: create a sale (its units move into the gate), show it, take
 * entries (rate limited, one ticket per customer, sold out past the cap without queueing),
 * decide queued tickets (the worker), end unused holds (their units back to the gate and
 * the next waiting tickets decided), heal what a lost message, a lost event or a crash
 * left undone (the minute job), and close ended sales (the gate's units back to
 * available, reconciled, reported).
 */
export interface RunSalesDeps {
  readonly sales: SaleRepository;
  readonly state: SaleState;
  readonly queue: TicketQueue;
  readonly allocation: Pick<GateAllocation, 'allocate' | 'returnUnits' | 'reconcile' | 'compare' | 'repair'> & Partial<Pick<GateAllocation, 'returned'>>;
  readonly reservations: Pick<Reservations, 'reserve' | 'reserveFromGate' | 'get' | 'release'>;
  readonly clock?: () => Date;
  /** A ticket still queued this long after its entry is decided by the minute job. @default 240 */
  readonly redriveAfterSeconds?: number;
  /** Where the minute job reports a ticket or hold it could not heal this run (it tries again the next), and a flag the edge did not get. */
  readonly log?: (message: string, details: Record<string, unknown>) => void;
  /** Where a sale that is sold out for good or ended is flagged, so the CDN edge answers for it. @default none */
  readonly edgeFlags?: EdgeFlags;
  /** Capacity warmed around each sale (provisioned concurrency in AWS); none when absent. */
  readonly capacity?: { readonly scheduler: CapacityScheduler; readonly limits: WarmLimits; readonly failed: (step: 'schedule' | 'release', details: Record<string, unknown>) => void };
  /** Where a ticket's visible change is announced to its streams (best effort: a failure is logged). @default none */
  readonly updates?: Pick<TicketUpdates, 'publish'>;
  /**
   * The sub-gates of sales whose expected entries need more than one Redis shard (gate-shards.ts);
   * without them every sale keeps its units in the SKU's one gate. Needs `allocation.returned`.
   */
  readonly subGates?: SaleSubGates;
}

/** What the minute job did for one sale: tickets it decided, and each kind of state it repaired. */
export interface HealReport {
  readonly saleId: string;
  readonly redriven: number;
  readonly repaired: number;
  readonly holdsRecorded: number;
  readonly holdsEnded: number;
  readonly holdsVoided: number;
  readonly ordersCounted: number;
  readonly heldRecounted: number;
  readonly gateRepaired: number;
  /** Tickets or holds whose healing failed this run (logged; tried again the next run). */
  readonly failures: number;
}

export type CreateSaleInput = Pick<FlashSale, 'shopId' | 'sku' | 'units' | 'startsAt' | 'endsAt' | 'perCustomerLimit' | 'holdSeconds'> & {
  readonly actor: string;
  /** Sizes the warmed capacity (see warm-capacity.ts). */
  readonly expectedEntries?: number | undefined;
};

export type EntryAnswer =
  | {
      readonly status: 'queued';
      readonly ticket: number;
      readonly pollAfterMs: number;
      /** After this the ticket can change no more (the sale's end plus its hold time): its stream token expires then. */
      readonly ticketEndsAt: string;
    }
  | { readonly status: 'sold_out' }
  | { readonly status: 'decided'; readonly ticket: Ticket };

/** The shortest wait between polls of a queued ticket (see pollAfterMs, which grows it with the distance from a decision). */
export const POLL_AFTER_MS = 1_000;
/** How long a process reuses a sale record it read (the hot paths only). */
const SALE_CACHE_MS = 1_000;
/** A hold still open this long past its expiry was missed by the sweeper or its event was lost: the job settles it. */
export const HOLD_GRACE_SECONDS = 120;
/** Most tickets and holds the job heals per sale and run (the rest the next minute). */
const HEAL_BATCH = 500;
const DEFAULT_REDRIVE_AFTER_SECONDS = 240;
/** Queued tickets a decision call decides ahead of their messages, in line order, so a backlog drains at Redis speed. */
export const DECIDE_AHEAD = 100;
/** A hold recorder's turn for a sale: longer than a turn takes, short enough that a dead recorder's turn soon passes. */
export const RECORDER_TURN_MS = 30_000;
/** Unrecorded wins a recorder reads at a time (written MAX_GATE_HOLDS_PER_BATCH to a transaction). */
const RECORD_READ = 495;
/** A sharded sale's walk over its sub-gates not settled this long after it began was cut short (a crash, a timeout): the job resumes it. */
export const STUCK_WALK_SECONDS = 30;

export function makeRunSales({
  sales,
  state,
  queue,
  allocation,
  reservations,
  clock = platformNow,
  redriveAfterSeconds = DEFAULT_REDRIVE_AFTER_SECONDS,
  log = () => {},
  edgeFlags,
  capacity,
  updates,
  subGates,
}: RunSalesDeps) {
  async function sale(shopId: string, saleId: string): Promise<FlashSale> {
    const found = await sales.get(shopId, saleId);
    if (!found) throw new NotFoundError(`Flash sale ${saleId} does not exist.`);
    return found;
  }

  /** A sharded sale's sub-gates (the wiring provides them whenever it creates such sales). */
  function gatesOf(s: FlashSale): SaleSubGates & Pick<GateAllocation, 'returned'> {
    if (!subGates || !allocation.returned) throw new Error(`Sale ${s.saleId} is on ${s.gateShards} sub-gates, but this process has none wired.`);
    return { ...subGates, returned: allocation.returned };
  }

  /**
   * Units that left a sharded sale's sub-gates for good (collected at the end, given back
   * after it) go back to available with their ledger entry, once per `id`: counted first (once),
   * then moved (a movement named by the id and the sale's end, so a retry writes nothing twice).
   */
  async function returnToAvailable(s: FlashSale, id: string, units: number): Promise<void> {
    const gates = gatesOf(s);
    await gates.countOnce(s, id, 'unitsReturned', units);
    await gates.returned(s.shopId, s.sku, units, { actor: 'flash-sale', reference: s.saleId }, { id: `gateret.${s.saleId}.${id}`, at: s.endsAt });
  }

  /**
   * A sharded sale's outbox: each unit movement owed to a sub-gate (a hold that ended, a walk
   * cancelled at the end, a hold of an earlier generation) is applied under its id, units that
   * found their sub-gate collected go to available, and only then is it removed: a crash
   * anywhere in between repeats the steps, which change nothing twice.
   */
  async function settleGiveBacks(s: FlashSale): Promise<number> {
    if (!isSharded(s)) return 0;
    const gates = gatesOf(s);
    const owed = await gates.giveBacks(s, HEAL_BATCH);
    for (const entry of owed) {
      const { closed } = await gates.giveBack(s, entry);
      crashPoint('flash-sale.given-back');
      if (closed > 0) await returnToAvailable(s, entry.id, closed);
      await gates.givenBack(s, entry.id);
    }
    return owed.length;
  }

  /**
   * The hot read paths (every entry, every poll, every page view of a drop) read the sale
   * record at most once a second per process: it is one DynamoDB item that every entry of
   * the sale would otherwise read. What can change in it (closing, a state generation) is
   * checked again where it matters: the close time by the clock, the generation by Redis.
   */
  const cached = new Map<string, { sale: FlashSale; until: number }>();
  /** Reads in flight: a burst of misses (streams opening, polls) shares one read of the record. */
  const reading = new Map<string, Promise<FlashSale>>();
  async function saleForReading(shopId: string, saleId: string): Promise<FlashSale> {
    const key = `${shopId}#${saleId}`;
    const now = clock().getTime();
    const hit = cached.get(key);
    if (hit && hit.until > now) return hit.sale;
    const pending = reading.get(key);
    if (pending) return pending;
    const read = sale(shopId, saleId)
      .then((fresh) => {
        if (cached.size > 1_000) cached.clear();
        cached.set(key, { sale: fresh, until: clock().getTime() + SALE_CACHE_MS });
        return fresh;
      })
      .finally(() => reading.delete(key));
    reading.set(key, read);
    return read;
  }

  /** A ticket's visible state changed: its streams are told (a failure only delays them until they read again). */
  async function announce(s: FlashSale, ticket: number): Promise<void> {
    await updates?.publish(s, ticket).catch((error: unknown) => log('flash-sale ticket change not announced', { saleId: s.saleId, ticket, error: String(error) }));
  }

  /**
   * Flags a sale at the edge once it is final: ended, or sold out (the gate empty and no hold
   * open, so no unit can come back; the moment the API itself answers sold_out cacheably).
   * Once per process per sale and status, concurrent callers sharing the one write; a failure
   * is logged and tried again at the next chance (the API still answers for the sale, so
   * nothing breaks).
   */
  const flagged = new Map<string, Promise<void>>();
  async function flagAtEdge(s: FlashSale, status: SaleStatus): Promise<void> {
    if (!edgeFlags || (status !== 'sold_out' && status !== 'ended')) return;
    const key = `${s.shopId}#${s.saleId}#${status}`;
    const pending = flagged.get(key);
    if (pending) return pending;
    if (flagged.size > 10_000) flagged.clear();
    const write = edgeFlags.flag(s.shopId, s.saleId, publicSaleView({ ...s, status })).catch((error: unknown) => {
      flagged.delete(key);
      log('flash sale not flagged at the edge', { shopId: s.shopId, saleId: s.saleId, status, error: String(error) });
    });
    flagged.set(key, write);
    return write;
  }

  /**
   * The admission is full: the edge answers the sale's entries sold_out for a while (the one
   * entry Redis picked per refresh period writes it). A failure is logged; the API still answers.
   */
  async function closeEntriesAtEdge(s: FlashSale, now: Date): Promise<void> {
    if (!edgeFlags) return;
    await edgeFlags.flag(s.shopId, s.saleId, { ...publicSaleView({ ...s, status: 'live' }), entriesClosedUntil: now.getTime() + ENTRIES_CLOSED_VALID_MS }).catch((error: unknown) => {
      log('flash sale entries not closed at the edge', { shopId: s.shopId, saleId: s.saleId, error: String(error) });
    });
  }

  /** Flags the sale when its live counts say it is sold out for good. */
  async function flagIfSoldOut(s: FlashSale): Promise<void> {
    if (!edgeFlags && !isSharded(s)) return;
    const now = clock();
    if (saleStatus(s, await state.counts(s), now) !== 'sold_out') return;
    // A sharded sale's entry script cannot see its sub-gates: it is told here, as the edge is.
    if (isSharded(s)) await gatesOf(s).soldOut(s);
    await flagAtEdge(s, 'sold_out');
  }

  /** Records the hold of a winning ticket in DynamoDB (idempotent: the hold id comes from the ticket). */
  async function recordHold(s: FlashSale, ticket: Ticket & { holdId: string; holdExpiresAt: string }): Promise<void> {
    const seconds = Math.max(1, Math.ceil((Date.parse(ticket.holdExpiresAt) - clock().getTime()) / 1000));
    await reservations.reserve({
      shopId: s.shopId,
      lines: [{ sku: s.sku, quantity: ticket.quantity }],
      source: 'flash_sale',
      reference: holdReference(s.saleId, ticket.customerId, ticket.ticket, s.generation ?? 0),
      reservationId: ticket.holdId,
      expiresInSeconds: seconds,
      fromGate: true,
    });
  }

  /**
   * The hold recorder: writes the sale's won holds to DynamoDB off the decision path, in
   * batches (MAX_GATE_HOLDS_PER_BATCH holds and one update of the gate's allocation a
   * transaction, so no item takes a write per winner), then marks them recorded in Redis.
   * One recorder per sale at a time (a turn that passes by itself if its holder dies); a
   * caller that finds the turn taken leaves the work to its holder, which looks again after
   * giving the turn back. Idempotent: a hold already written (a crash before it was marked,
   * checkout's own claim) is written once. A hold whose time is up is left to the minute
   * job, which ends it in Redis alone. Answers the holds written.
   */
  async function recordHolds(s: FlashSale): Promise<number> {
    let recorded = 0;
    const tried = new Set<number>();
    const untried = async () => (await state.unrecorded(s, RECORD_READ)).filter((win) => !tried.has(win.ticket));
    for (;;) {
      const turn = await state.recorderTurn(s, RECORDER_TURN_MS);
      if (!turn) return recorded;
      try {
        for (let due = await untried(); due.length > 0; due = await untried()) {
          for (const win of due) tried.add(win.ticket);
          const now = clock().getTime();
          const live = due.filter((win) => Date.parse(win.holdExpiresAt) > now);
          for (let i = 0; i < live.length; i += MAX_GATE_HOLDS_PER_BATCH) {
            const batch = live.slice(i, i + MAX_GATE_HOLDS_PER_BATCH);
            for (const _ of batch) crashPoint('flash-sale.ticket-won');
            await reservations.reserveFromGate(
              s.shopId,
              s.sku,
              batch.map((win) => ({
                reservationId: win.holdId,
                quantity: win.quantity,
                source: 'flash_sale',
                reference: holdReference(s.saleId, win.customerId, win.ticket, s.generation ?? 0),
                expiresAt: win.holdExpiresAt,
              })),
            );
            await state.holdsRecorded(
              s,
              batch.map((win) => win.ticket),
            );
            recorded += batch.length;
          }
        }
      } finally {
        await state.endRecorderTurn(s, turn);
      }
      // A win decided while this turn ended found the turn taken: writing it is this recorder's job.
      if ((await untried()).length === 0) return recorded;
    }
  }

  /** Runs the recorder where a failure must not undo what was decided: logged, and the next recorder, checkout or the minute job writes the holds. */
  async function recordHoldsQuietly(s: FlashSale): Promise<void> {
    await recordHolds(s).catch((error: unknown) => log('flash-sale holds not recorded yet', { saleId: s.saleId, error: String(error) }));
  }

  /** Decides a ticket from the state in Redis (a woken waiting ticket, the job's re-drive): idempotent per ticket. A winner's hold is the recorder's to write. */
  async function decide(s: FlashSale, ticket: number): Promise<'won' | 'waiting' | 'lost' | 'expired'> {
    const decision = await state.decide(s, ticket, clock());
    if (decision.kind !== 'waiting' && decision.kind !== 'stale') await announce(s, ticket);
    // A ticket of another generation of the state decides nothing: as far as it can tell, it lost.
    return decision.kind === 'stale' ? 'lost' : decision.kind;
  }

  /**
   * The worker: decides its tickets (a queue batch of one sale and generation) and up to
   * DECIDE_AHEAD queued ones ahead of them, in one Redis step; safe to run twice for the
   * same tickets. Then the hold recorder writes the winners' holds (a failure there is
   * logged and undoes nothing). Tickets of a lost generation of the state decide nothing.
   */
  async function decideTickets(shopId: string, saleId: string, tickets: readonly number[], generation = 0): Promise<{ outcomes: Array<'won' | 'waiting' | 'lost' | 'expired'>; decidedAhead: number }> {
    const s = await sale(shopId, saleId);
    if ((s.generation ?? 0) !== generation) return { outcomes: tickets.map(() => 'lost' as const), decidedAhead: 0 };
    const { decisions, decidedAhead } = await state.decideBatch(s, tickets, clock(), DECIDE_AHEAD);
    // The batch's own tickets are announced (a ticket decided ahead is announced when its
    // own message comes, or seen by its stream's periodic re-read, whichever is first).
    await Promise.all(tickets.map((ticket, i) => (decisions[i]?.kind === 'waiting' || decisions[i]?.kind === 'stale' ? undefined : announce(s, ticket))));
    await recordHoldsQuietly(s);
    return { outcomes: decisions.map((d) => (d.kind === 'stale' ? 'lost' : d.kind)), decidedAhead };
  }

  /** The units of an ended hold back to the gate (the next waiting tickets decided), or to available once the sale is over. */
  async function afterHoldEnded(s: FlashSale, { returned, next }: { returned: number; next: number[] }): Promise<{ returned: number; decided: number }> {
    // A sharded sale's units go back to their sub-gate (through its outbox) before the next tickets walk for them.
    await settleGiveBacks(s);
    // Waiting tickets are decided in line order, in one step: the first win the returned
    // units, the others keep waiting while holds are open (or lose, once the sale is over).
    if (next.length > 0) {
      const { decisions } = await state.decideBatch(s, next, clock(), 0);
      await Promise.all(next.map((ticket, i) => (decisions[i]?.kind === 'waiting' ? undefined : announce(s, ticket))));
      await recordHoldsQuietly(s);
    }
    if (isOver(s, clock()) && returned > 0 && !isSharded(s)) {
      // After the end the units go back to available rather than to the gate.
      await state.count(s, 'unitsReturned', await allocation.returnUnits(s.shopId, s.sku, { actor: 'flash-sale', reference: s.saleId }, returned));
    }
    return { returned, decided: next.length };
  }

  /**
   * Heals one sale from the state in Redis and the holds in DynamoDB, so that no lost
   * message, lost event or crash strands a customer or a unit:
   * 1. tickets queued past the bound (or all of them once the sale is over) are decided, and
   *    waiting tickets whose wake-up was lost (units in the gate, or no hold left to wait for);
   * 2. a won ticket whose hold is not in DynamoDB past the bound gets it written (or, past its
   *    expiry, ended); a re-driven ticket that lost but has a hold (Redis lost its last
   *    second) has the hold voided;
   * 3. holds still open past their expiry and a grace are settled from DynamoDB: an order
   *    is counted, an ended hold gives its units back;
   * 4. the units held are recounted from the open holds;
   * 5. the gate is compared with DynamoDB's allocation and repaired only when two runs agree,
   *    as a decision or a hold end in flight makes one comparison differ for a moment;
   * 6. once the sale is over, the gate's units go back to available.
   */
  async function heal(s: FlashSale): Promise<HealReport> {
    const now = clock();
    const over = isOver(s, now);
    const repairs = { holdsRecorded: 0, holdsEnded: 0, holdsVoided: 0, ordersCounted: 0, heldRecounted: 0, gateRepaired: 0, walksResumed: 0, givenBack: 0 };
    let redriven = 0;
    let failures = 0;
    /** One ticket's healing: a failure (DynamoDB or Redis refusing for a moment) is logged and leaves the others to heal. */
    const attempt = async (step: string, ticket: number, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        failures += 1;
        log('flash-sale healing step failed', { saleId: s.saleId, step, ticket, error: String(error) });
      }
    };
    const due = await state.overdue(
      s,
      {
        queuedBefore: over ? now : new Date(now.getTime() - redriveAfterSeconds * 1000),
        decidedBefore: new Date(now.getTime() - redriveAfterSeconds * 1000),
        expiredBefore: new Date(now.getTime() - HOLD_GRACE_SECONDS * 1000),
      },
      HEAL_BATCH,
    );

    if (isSharded(s)) {
      // Walks over the sub-gates a crash or a timeout cut short are resumed under their take ids, and the outbox is applied.
      const stuck = await gatesOf(s).stuckWalks(s, new Date(now.getTime() - STUCK_WALK_SECONDS * 1000), HEAL_BATCH);
      if (stuck.length > 0) {
        const { decisions } = await state.decideBatch(s, stuck, now, 0);
        await Promise.all(stuck.map((ticket, i) => (decisions[i]?.kind === 'waiting' ? undefined : announce(s, ticket))));
        repairs.walksResumed += stuck.length;
      }
      repairs.givenBack += await settleGiveBacks(s);
    }

    for (const ticket of due.queued) {
      await attempt('redrive', ticket, async () => {
        const outcome = await decide(s, ticket);
        redriven += 1;
        if (outcome === 'lost' && (await voidHold(s, ticket))) repairs.holdsVoided += 1;
      });
    }
    const counts = await state.counts(s);
    if (counts.waiting > 0 && (over || counts.inGate > 0 || counts.held <= 0)) {
      for (const ticket of (await state.waiting(s)).slice(0, HEAL_BATCH)) {
        await attempt('wake', ticket, async () => {
          if ((await decide(s, ticket)) !== 'waiting') redriven += 1;
        });
      }
    }

    // The winners' holds by the recorder (its batches); what it leaves past the bound (a hold whose time is up, a turn held by a dead recorder) one by one.
    if (redriven > 0 || due.unrecorded.length > 0 || repairs.walksResumed > 0) {
      const written = await recordHolds(s).catch((error: unknown) => {
        failures += 1;
        log('flash-sale healing step failed', { saleId: s.saleId, step: 'record holds', error: String(error) });
        return 0;
      });
      // Holds overdue are a repair; those of the tickets just re-driven are the recorder's usual work.
      if (due.unrecorded.length > 0) repairs.holdsRecorded += written;
    }
    for (const number of due.unrecorded) {
      await attempt('record hold', number, async () => {
        const ticket = await state.ticket(s, number);
        if (ticket?.status !== 'won' || !ticket.holdId || (await reservations.get(s.shopId, ticket.holdId))) {
          await state.holdRecorded(s, number);
          return;
        }
        if (Date.parse(ticket.holdExpiresAt!) <= now.getTime()) {
          // Its time is up: ended in Redis alone (DynamoDB never took its units from the allocation).
          await afterHoldEnded(s, await state.holdEnded(s, number, ticket.holdId));
          await announce(s, number);
          repairs.holdsEnded += 1;
        } else {
          await recordHold(s, ticket as Ticket & { holdId: string; holdExpiresAt: string });
          await state.holdRecorded(s, number);
          await announce(s, number);
          repairs.holdsRecorded += 1;
        }
      });
    }

    for (const number of due.expiredHolds) {
      await attempt('settle hold', number, async () => {
        const settled = await settleHold(s, number);
        if (settled === 'ordered') repairs.ordersCounted += 1;
        if (settled === 'ended') repairs.holdsEnded += 1;
      });
    }

    const held = await state.recountHeld(s);
    if (held.before !== held.after) repairs.heldRecounted += 1;
    if (!over) await flagIfSoldOut(s);

    // Units won but not in DynamoDB yet are out of the gate and still in the allocation. Holds
    // recorded by a worker that died before saying so are known now; then DynamoDB is read
    // first and Redis's gate and unrecorded wins together, so a decision in between changes nothing.
    for (const { ticket, holdId } of await state.unrecorded(s)) {
      if (await reservations.get(s.shopId, holdId)) await state.holdRecorded(s, ticket);
    }
    // A sharded sale's end: the outbox applied, then every sub-gate collected once and its units
    // returned to available (the same answer on every run, the movement written once).
    if (over && isSharded(s)) {
      await settleGiveBacks(s);
      const left = await gatesOf(s).collect(s);
      if (left > 0) await returnToAvailable(s, `collect.g${s.generation ?? 0}`, left);
    }
    const { allocated } = await allocation.compare(s.shopId, s.sku, 0);
    const { inGate, outstanding } = await state.gateSnapshot(s);
    const discrepancy = allocated - outstanding - inGate;
    if (await state.sameDriftAsLastRun(s, discrepancy)) {
      if (isSharded(s)) await repairSubGates(s, discrepancy, now);
      else await allocation.repair(s.shopId, s.sku, discrepancy);
      repairs.gateRepaired += 1;
    }
    if (over && !isSharded(s)) await state.count(s, 'unitsReturned', await allocation.returnUnits(s.shopId, s.sku, { actor: 'flash-sale', reference: s.saleId }));

    const { walksResumed, givenBack, ...reported } = repairs;
    // A resumed walk is a re-driven decision; the outbox's give-backs are the sale's usual work, not repairs.
    redriven += walksResumed;
    void givenBack;
    const repaired = Object.values(reported).reduce((a, b) => a + b, 0);
    await state.count(s, 'redriven', redriven);
    await state.count(s, 'repaired', repaired);
    return { saleId: s.saleId, redriven, repaired, ...reported, failures };
  }

  /**
   * A sharded sale's gate repair (two runs agreed): units missing from the sub-gates are put
   * back (once per repair; after the end, to available), units they should not have withdrawn.
   */
  async function repairSubGates(s: FlashSale, discrepancy: number, now: Date): Promise<void> {
    const gates = gatesOf(s);
    if (discrepancy > 0) {
      const id = `repair.${now.getTime()}`;
      const { closed } = await gates.restore(s, id, discrepancy);
      if (closed > 0) await returnToAvailable(s, id, closed);
    }
    if (discrepancy < 0) await gates.withdraw(s, -discrepancy);
  }

  /** A ticket that lost may still have a hold in DynamoDB (its win was in Redis's last unsaved second): the hold is voided. */
  async function voidHold(s: FlashSale, ticket: number): Promise<boolean> {
    const hold = await reservations.get(s.shopId, holdIdOf(s.saleId, ticket, s.generation));
    if (hold?.status !== 'ACTIVE') return false;
    return reservations.release(s.shopId, hold.reservationId, 'flash-sale').then(
      () => true,
      (error: unknown) => {
        if (error instanceof ReservationNotActiveError) return false;
        throw error;
      },
    );
  }

  /** A hold open in Redis past its expiry and the grace: what DynamoDB says happened to it is applied. */
  async function settleHold(s: FlashSale, number: number): Promise<'ordered' | 'ended' | 'open'> {
    const ticket = await state.ticket(s, number);
    if (ticket?.status !== 'won' || !ticket.holdId) return 'open';
    let hold = await reservations.get(s.shopId, ticket.holdId);
    if (hold?.status === 'ACTIVE') {
      // The sweeper has not ended it: end it now (unless checkout commits it first).
      await reservations.release(s.shopId, hold.reservationId, 'flash-sale').catch((error: unknown) => {
        if (!(error instanceof ReservationNotActiveError)) throw error;
      });
      hold = await reservations.get(s.shopId, ticket.holdId);
    }
    if (hold?.status === 'COMMITTED') {
      // Its OrderPlaced event was lost: counted under the hold's id (the ticket is counted once however it arrives).
      for (const waiting of await state.orderPlaced(s, { orderId: `hold:${ticket.holdId}`, units: ticket.quantity, ticket: number, holdId: ticket.holdId })) await decide(s, waiting);
      return 'ordered';
    }
    if (hold?.status === 'ACTIVE') return 'open';
    // Ended in DynamoDB (its event lost) or never written: its units go back.
    const ended = await state.holdEnded(s, number, ticket.holdId);
    await announce(s, number);
    await afterHoldEnded(s, ended);
    return ended.returned > 0 ? 'ended' : 'open';
  }

  /**
   * A closed sale whose holds were open at its close: healed (holds settled from
   * DynamoDB, their units back to available) until none is open; then its report is final.
   */
  async function healClosedSale(shopId: string, saleId: string): Promise<HealReport & { settled: boolean }> {
    const s = await sale(shopId, saleId);
    if (!(await state.isOpen(s))) {
      // Redis lost the state after the close: the stored report is all there is.
      const stored = await sales.report(shopId, saleId);
      if (stored) await sales.settled(shopId, saleId, stored);
      return { saleId, redriven: 0, repaired: 0, holdsRecorded: 0, holdsEnded: 0, holdsVoided: 0, ordersCounted: 0, heldRecounted: 0, gateRepaired: 0, failures: 0, settled: true };
    }
    const healed = await heal(s);
    const counts = await state.counts(s);
    const owed = isSharded(s) ? (await gatesOf(s).giveBacks(s, 1)).length + (await gatesOf(s).stuckWalks(s, clock(), 1)).length : 0;
    const settled = counts.held <= 0 && counts.waiting === 0 && counts.inGate === 0 && owed === 0 && (await state.unrecorded(s)).length === 0;
    if (settled) await sales.settled(shopId, saleId, counts);
    return { ...healed, settled };
  }

  /**
   * The sale's capacity schedule, once the sale is written. A failure does not undo the sale:
   * it sells exactly as without it (only its first seconds pay cold starts), so the merchant
   * gets the 201 and the failure is logged and counted (metric FlashSaleCapacityFailures).
   */
  async function scheduleCapacity(s: FlashSale, expectedEntries: number | undefined, now: Date): Promise<void> {
    if (!capacity) return;
    try {
      const size = warmCapacity({ units: s.units, expectedEntries }, capacity.limits);
      await capacity.scheduler.schedule({ shopId: s.shopId, saleId: s.saleId, ...warmWindow(s, now), capacity: size });
    } catch (error) {
      capacity.failed('schedule', { shopId: s.shopId, saleId: s.saleId, error: String(error) });
    }
  }

  /** A closed sale's schedule is removed; a failure leaves only a finished scheduled action behind (logged and counted). */
  async function releaseCapacity(s: FlashSale, now: Date): Promise<void> {
    if (!capacity) return;
    try {
      await capacity.scheduler.release(s, now);
    } catch (error) {
      capacity.failed('release', { shopId: s.shopId, saleId: s.saleId, error: String(error) });
    }
  }

  return {
    /** Warms this process for the hot paths: the open sales' records into the cache the entries and polls read. */
    async warmUp(limit = 25): Promise<number> {
      const open = await sales.openSales(limit);
      const found = await Promise.all(open.map(({ shopId, saleId }) => sales.get(shopId, saleId)));
      const until = clock().getTime() + SALE_CACHE_MS;
      let warmed = 0;
      for (const s of found) {
        if (!s || s.closedAt) continue;
        cached.set(`${s.shopId}#${s.saleId}`, { sale: s, until });
        warmed += 1;
      }
      return warmed;
    },

    async createSale(input: CreateSaleInput): Promise<FlashSale> {
      const now = clock();
      validateSale(input, now);
      // The crowd's peak rate (its expected entries over the first seconds) decides the sub-gates; 1 keeps the SKU's one gate.
      const shards = subGates && allocation.returned && input.expectedEntries !== undefined ? gateShardsFor(input.expectedEntries / ARRIVAL_SECONDS, input.units) : 1;
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
        ...(shards > 1 ? { gateShards: shards } : {}),
      };
      // The sale claims its SKU first (one open sale per SKU), then its units leave
      // `available` for the gate (refused when there are not enough: the sale is undone).
      await sales.create(created);
      try {
        const context = { actor: input.actor, reference: created.saleId };
        // A sharded sale's units stay out of the SKU's gate: the sale's state opens its sub-gates with them.
        if (shards > 1) await allocation.allocate(input.shopId, input.sku, input.units, context, { fillGate: false });
        else await allocation.allocate(input.shopId, input.sku, input.units, context);
      } catch (error) {
        await sales.discard(created);
        throw error;
      }
      await state.open(created);
      await scheduleCapacity(created, input.expectedEntries, now);
      return created;
    },

    async getSale(shopId: string, saleId: string): Promise<FlashSale & { status: SaleStatus }> {
      const s = await saleForReading(shopId, saleId);
      const now = clock();
      const counts = s.closedAt || now < new Date(s.startsAt) ? undefined : await state.counts(s);
      const status = saleStatus(s, counts, now);
      await flagAtEdge(s, status);
      return { ...s, status };
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
      if (outcome.kind === 'sold_out') {
        if (outcome.closeEntriesAtEdge) await closeEntriesAtEdge(s, now);
        return { status: 'sold_out' };
      }
      if (outcome.kind === 'decided') return { status: 'decided', ticket: outcome.ticket };
      // A new ticket, or one whose send may have failed before: (re)send, deduplicated by ticket,
      // under the generation of the Redis state that issued it.
      const generation = outcome.generation ?? s.generation ?? 0;
      await queue.send(generation === (s.generation ?? 0) ? s : { ...s, generation }, outcome.ticket);
      // Its position is not read here: every ticket before it is the farthest it can be.
      return { status: 'queued', ticket: outcome.ticket, pollAfterMs: pollAfterMs({ ticket: outcome.ticket, position: outcome.ticket - 1, units: s.units }), ticketEndsAt: ticketEndsAt(s) };
    },

    async ticket(shopId: string, saleId: string, ticket: number, customerId: string): Promise<Ticket> {
      const s = await saleForReading(shopId, saleId);
      const found = await state.ticket(s, ticket);
      // Another customer's ticket does not exist as far as this caller can tell.
      if (!found || found.customerId !== customerId) throw new NotFoundError(`Ticket ${ticket} does not exist.`);
      // A win shows at once, its hold written to DynamoDB or not: checkout's claim writes a hold the recorder has not written yet.
      const { holdUnrecorded: _, ...shown } = found;
      return shown;
    },

    /** The caller's ticket as the API shows it: `pollAfterMs` while queued, from its distance to a decision. */
    async ticketView(shopId: string, saleId: string, ticket: number, customerId: string): Promise<TicketView> {
      const s = await saleForReading(shopId, saleId);
      const { customerId: _owner, holdUnrecorded: _unrecorded, ...shown } = await this.ticket(shopId, saleId, ticket, customerId);
      return shown.status === 'queued' ? { ...shown, pollAfterMs: pollAfterMs({ ticket, position: shown.position ?? 0, units: s.units }) } : shown;
    },

    /**
     * The worker: decides its tickets (a queue batch of one sale and generation) and up to
     * DECIDE_AHEAD queued ones ahead of them, in one Redis step; safe to run twice for the
     * same tickets. Then the hold recorder writes the winners' holds (a failure there is
     * logged and undoes nothing). Tickets of a lost generation of the state decide nothing.
     */
    decideTickets,

    /** One ticket of the worker (see decideTickets). */
    async decideTicket(shopId: string, saleId: string, ticket: number, generation = 0) {
      return (await decideTickets(shopId, saleId, [ticket], generation)).outcomes[0]!;
    },

    /** The hold recorder for one sale (see recordHolds); answers the holds it wrote. */
    async recordHolds(shopId: string, saleId: string): Promise<number> {
      return recordHolds(await sale(shopId, saleId));
    },

    /**
     * Checkout's claim of a hold not in DynamoDB yet: the won ticket's hold is written from
     * Redis now (idempotent, as the recorder's), so a fast winner never waits for the recorder.
     * Answers false when the hold is not a live win of this customer (then there is nothing to claim).
     */
    async recordHoldOf(shopId: string, holdId: string, customerId: string): Promise<boolean> {
      const parsed = parseHoldId(holdId);
      if (!parsed) return false;
      const s = await saleForReading(shopId, parsed.saleId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!s || (s.generation ?? 0) !== parsed.generation) return false;
      const found = await state.ticket(s, parsed.ticket);
      if (found?.status !== 'won' || found.holdId !== holdId || found.customerId !== customerId || Date.parse(found.holdExpiresAt!) <= clock().getTime()) return false;
      await recordHold(s, found as Ticket & { holdId: string; holdExpiresAt: string });
      await state.holdRecorded(s, parsed.ticket);
      return true;
    },

    /**
     * A hold ended unused (expired, released after a declined payment): the units go back
     * to the gate once, the next waiting tickets are decided; after the sale's end the
     * units go straight back to available instead. Only the hold the ticket holds in this
     * generation ends it; a hold of an earlier generation gives its units back, once.
     */
    async holdEnded(shopId: string, saleId: string, hold: { ticket: number; holdId: string; generation?: number; units?: number }): Promise<{ returned: number; decided: number }> {
      const s = await sale(shopId, saleId);
      const ended = (hold.generation ?? 0) === (s.generation ?? 0) ? await state.holdEnded(s, hold.ticket, hold.holdId) : await state.foreignHoldEnded(s, hold.holdId, hold.units ?? 0);
      if ((hold.generation ?? 0) === (s.generation ?? 0)) await announce(s, hold.ticket);
      return afterHoldEnded(s, ended);
    },

    /**
     * An order was placed on a hold (OrderPlaced): counted once. It releases the units held
     * by the customer's ticket only when that ticket's hold is the one committed, so an
     * order on a hold of an earlier generation never takes a new winner's units.
     */
    async orderPlaced(shopId: string, saleId: string, order: { orderId: string; customerId?: string; units: number }): Promise<void> {
      const s = await sale(shopId, saleId);
      const ticket = order.customerId === undefined ? undefined : await state.customerTicket(s, order.customerId);
      const holdId = ticket === undefined ? undefined : holdIdOf(s.saleId, ticket, s.generation);
      const ours = holdId !== undefined && (await reservations.get(shopId, holdId))?.status === 'COMMITTED';
      // The last hold became an order with the gate empty: whoever still waits has lost.
      for (const waiting of await state.orderPlaced(s, { orderId: order.orderId, units: order.units, ...(ours ? { ticket, holdId } : {}) })) await decide(s, waiting);
      // The last hold became an order with the gate empty: sold out for good.
      await flagIfSoldOut(s);
    },

    /** The minute job's healing of every sale not closed yet (see `heal`); ended sales are healed as they close. */
    async healSales(): Promise<HealReport[]> {
      const reports: HealReport[] = [];
      const now = clock();
      for (const { shopId, saleId } of await sales.openSales(100)) {
        const s = await sale(shopId, saleId);
        if (now < new Date(s.startsAt) || isOver(s, now) || !(await state.isOpen(s))) continue;
        reports.push(await heal(s));
      }
      return reports;
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
        if (isSharded(s)) {
          // The new generation's sub-gates opened empty: they get what DynamoDB's allocation says (the recorded holds are out of it).
          const { allocated } = await allocation.compare(shopId, s.sku, 0);
          await gatesOf(s).restore(s, `rebuild.g${s.generation ?? 0}`, allocated);
          recovered.push({ saleId, restored: allocated });
          continue;
        }
        const { discrepancy } = await allocation.reconcile(shopId, s.sku, 0);
        recovered.push({ saleId, restored: discrepancy });
      }
      return recovered;
    },

    /**
     * The end-of-sale job: heals every sale past its end (every ticket still queued or
     * waiting loses, the gate's units go back to available) and closes it, once, with its report.
     */
    async closeEndedSales(): Promise<Array<{ saleId: string; report: SaleReport; healed: HealReport }>> {
      const closed: Array<{ saleId: string; report: SaleReport; healed: HealReport }> = [];
      const now = clock();
      for (const { shopId, saleId } of await sales.endedOpen(now.toISOString(), 25)) {
        const s = await sale(shopId, saleId);
        const healed = await heal(s);
        const report: SaleReport = await state.counts(s);
        if (await sales.close(shopId, saleId, report, now.toISOString())) {
          closed.push({ saleId, report, healed });
          await releaseCapacity(s, now);
        }
        cached.delete(`${shopId}#${saleId}`);
        await flagAtEdge(s, 'ended');
      }
      return closed;
    },

    healClosedSale,

    /** The minute job's healing of closed sales still settling (see `healClosedSale`). */
    async healClosedSales(): Promise<Array<HealReport & { settled: boolean }>> {
      const healed: Array<HealReport & { settled: boolean }> = [];
      for (const { shopId, saleId } of await sales.settling(25)) healed.push(await healClosedSale(shopId, saleId));
      return healed;
    },

    /** Live counts while Redis has the sale's state (holds may still end or become orders after the close), else the stored report. */
    async report(shopId: string, saleId: string): Promise<SaleReport & { status: SaleStatus; closed: boolean }> {
      const s = await sale(shopId, saleId);
      const stored = await sales.report(shopId, saleId);
      const counts = stored && !(await state.isOpen(s)) ? stored : { ...(await state.counts(s)), ...(stored?.closedAt ? { closedAt: stored.closedAt } : {}) };
      return { ...counts, status: saleStatus(s, counts, clock()), closed: Boolean(stored) };
    },
  };
}

export type RunSales = ReturnType<typeof makeRunSales>;

/** After this a sale's ticket can change no more: the sale's end, plus the hold a last-second winner gets. */
export const ticketEndsAt = (s: Pick<FlashSale, 'endsAt' | 'holdSeconds'>) => new Date(Date.parse(s.endsAt) + s.holdSeconds * 1000).toISOString();
