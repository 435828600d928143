import { describe, expect, it, vi } from 'vitest';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from '#shared/errors';
import { SaleEndedError, SaleNotStartedError, admissionBuffer, ENTRIES_CLOSED_VALID_MS, holdIdOf, isOver, type FlashSale, type SaleCounts, type Ticket } from '#shared/flash-sales/flash-sale';
import { parseHoldReference } from '#shared/flash-sales/flash-sale-holds';
import type { Decision, EdgeFlags, EntryOutcome, SaleReport, SaleRepository, SaleState, TicketQueue } from '#shared/flash-sales/flash-sale-ports';
import { POLL_AFTER_MS, makeRunSales, type CreateSaleInput, type RunSalesDeps } from '#shared/flash-sales/run-sales';
import type { CapacityScheduler } from '#shared/flash-sales/warm-capacity';
import type { GateContext, GateReconciliation } from '#shared/inventory/gate-allocation';
import { MAX_GATE_HOLDS_PER_BATCH, OutOfStockError, ReservationNotActiveError, type Reservation } from '#shared/inventory/reservations';
import type { GateHoldInput, ReserveInput } from '#shared/inventory/reserve-stock';

/**
 * The flash-sale use cases with in-memory fakes of their ports and a settable clock: the
 * sale repository (one open sale per SKU), the sale state (tickets, the gate, holds, the
 * waiting line, as the Redis scripts keep them), the ticket queue, the gate allocation
 * (units between available and the gate) and the reservations that record holds.
 */
const SHOP = 'shop-1';
const SKU = 'DROP-1';
const START = new Date('2026-11-25T12:00:00.000Z');
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000);

interface FakeTicket {
  customerId: string;
  quantity: number;
  status: 'queued' | 'waiting' | 'won' | 'lost' | 'expired';
  holdId?: string;
  holdExpiresAt?: string;
  ordered?: string;
  enteredAt: number;
  decidedAt?: number;
  recorded?: boolean;
}

interface WorldOptions {
  /** Units available for allocation to the gate. @default 100 */
  available?: number;
  /** What admit answers; default every entry is admitted. */
  admit?: (customerId: string) => { ok: true } | { ok: false; retryAfterMs: number };
  /** Where sales are flagged for the edge. @default none */
  edgeFlags?: EdgeFlags;
  /** The capacity port; none by default. */
  capacity?: RunSalesDeps['capacity'];
  /** Where ticket changes are announced; none by default. */
  updates?: RunSalesDeps['updates'];
}

function world(options: WorldOptions = {}) {
  let now = at(-3600);
  const clock = () => now;
  const setNow = (d: Date) => {
    now = d;
  };

  // The sale repository: the sale, one open sale per SKU, the report once closed.
  const records = new Map<string, FlashSale>();
  const openBySku = new Map<string, string>();
  const reports = new Map<string, SaleReport>();
  const settled = new Set<string>();
  const key = (shopId: string, id: string) => `${shopId}#${id}`;
  const sales = {
    create: vi.fn<SaleRepository['create']>(async (sale) => {
      const existing = openBySku.get(key(sale.shopId, sale.sku));
      if (existing) throw new ConflictError('sale_exists', `SKU ${sale.sku} is in sale ${existing}.`, { saleId: existing });
      openBySku.set(key(sale.shopId, sale.sku), sale.saleId);
      records.set(key(sale.shopId, sale.saleId), sale);
    }),
    discard: vi.fn<SaleRepository['discard']>(async (sale) => {
      records.delete(key(sale.shopId, sale.saleId));
      if (openBySku.get(key(sale.shopId, sale.sku)) === sale.saleId) openBySku.delete(key(sale.shopId, sale.sku));
    }),
    get: vi.fn<SaleRepository['get']>(async (shopId, saleId) => records.get(key(shopId, saleId))),
    nextGeneration: vi.fn<SaleRepository['nextGeneration']>(async (shopId, saleId) => {
      const sale = records.get(key(shopId, saleId))!;
      const next = { ...sale, generation: (sale.generation ?? 0) + 1 };
      records.set(key(shopId, saleId), next);
      return next;
    }),
    openSales: vi.fn<SaleRepository['openSales']>(async (limit) =>
      [...records.values()]
        .filter((s) => !s.closedAt)
        .slice(0, limit)
        .map(({ shopId, saleId }) => ({ shopId, saleId })),
    ),
    endedOpen: vi.fn<SaleRepository['endedOpen']>(async (nowIso, limit) =>
      [...records.values()]
        .filter((s) => !s.closedAt && s.endsAt < nowIso)
        .slice(0, limit)
        .map(({ shopId, saleId }) => ({ shopId, saleId })),
    ),
    close: vi.fn<SaleRepository['close']>(async (shopId, saleId, report, closedAt) => {
      const sale = records.get(key(shopId, saleId));
      if (!sale || sale.closedAt) return false;
      records.set(key(shopId, saleId), { ...sale, closedAt });
      reports.set(key(shopId, saleId), { ...report, closedAt });
      openBySku.delete(key(shopId, sale.sku));
      return true;
    }),
    report: vi.fn<SaleRepository['report']>(async (shopId, saleId) => reports.get(key(shopId, saleId))),
    settling: vi.fn<SaleRepository['settling']>(async (limit) =>
      [...records.values()]
        .filter((s) => s.closedAt && !settled.has(key(s.shopId, s.saleId)))
        .slice(0, limit)
        .map(({ shopId, saleId }) => ({ shopId, saleId })),
    ),
    settled: vi.fn<SaleRepository['settled']>(async (shopId, saleId, report) => {
      settled.add(key(shopId, saleId));
      reports.set(key(shopId, saleId), { ...report, closedAt: reports.get(key(shopId, saleId))?.closedAt });
    }),
  } satisfies SaleRepository;

  // The gate (units per shop and SKU) shared by the state and the allocation, as in Redis.
  const gate = new Map<string, number>();
  const inGate = (sale: { shopId: string; sku: string }) => gate.get(key(sale.shopId, sale.sku)) ?? 0;
  const setGate = (sale: { shopId: string; sku: string }, units: number) => gate.set(key(sale.shopId, sale.sku), units);

  interface Live {
    cap: number;
    seq: number;
    customers: Map<string, number>;
    tickets: Map<number, FakeTicket>;
    waiting: number[];
    held: number;
    orders: Set<string>;
    foreign: Set<string>;
    drift?: number;
    recorderTurn?: string | undefined;
    stats: { entries: number; won: number; lost: number; expired: number; soldOut: number; unitsSold: number; unitsReturned: number; redriven: number; repaired: number };
  }
  const lives = new Map<string, Live>();
  const live = (sale: FlashSale): Live => {
    const k = key(sale.shopId, sale.saleId);
    let l = lives.get(k);
    if (!l) {
      l = {
        cap: 0,
        seq: 0,
        customers: new Map(),
        tickets: new Map(),
        waiting: [],
        held: 0,
        orders: new Set(),
        foreign: new Set(),
        stats: { entries: 0, won: 0, lost: 0, expired: 0, soldOut: 0, unitsSold: 0, unitsReturned: 0, redriven: 0, repaired: 0 },
      };
      lives.set(k, l);
    }
    return l;
  };
  const view = (sale: FlashSale, n: number): Ticket | undefined => {
    const t = live(sale).tickets.get(n);
    if (!t) return undefined;
    const status = t.status === 'waiting' ? 'queued' : t.status;
    return {
      ticket: n,
      customerId: t.customerId,
      quantity: t.quantity,
      status,
      ...(t.holdId ? { holdId: t.holdId, holdExpiresAt: t.holdExpiresAt! } : {}),
      ...(status === 'won' && !t.recorded ? { holdUnrecorded: true } : {}),
    };
  };

  /** One ticket through the gate, as the decision script does it. */
  async function decideOne(sale: FlashSale, n: number, decidedAt: Date): Promise<Decision> {
    const l = live(sale);
    const t = l.tickets.get(n);
    if (!t) return { kind: 'lost' };
    if (t.status === 'won') return { kind: 'won', ticket: view(sale, n) as Ticket & { holdId: string; holdExpiresAt: string }, fresh: false };
    if (t.status === 'lost' || t.status === 'expired') return { kind: t.status };
    const leaveLine = () => (l.waiting = l.waiting.filter((w) => w !== n));
    if (isOver(sale, decidedAt)) {
      leaveLine();
      t.status = 'lost';
      l.stats.lost += 1;
      return { kind: 'lost' };
    }
    if (inGate(sale) >= t.quantity) {
      leaveLine();
      setGate(sale, inGate(sale) - t.quantity);
      l.held += t.quantity;
      Object.assign(t, {
        status: 'won',
        holdId: holdIdOf(sale.saleId, n, sale.generation),
        holdExpiresAt: new Date(decidedAt.getTime() + sale.holdSeconds * 1000).toISOString(),
        decidedAt: decidedAt.getTime(),
        recorded: false,
      });
      l.stats.won += 1;
      return { kind: 'won', ticket: view(sale, n) as Ticket & { holdId: string; holdExpiresAt: string }, fresh: true };
    }
    if (l.held > 0) {
      if (t.status === 'queued') {
        t.status = 'waiting';
        l.waiting.push(n);
      }
      return { kind: 'waiting' };
    }
    leaveLine();
    t.status = 'lost';
    l.stats.lost += 1;
    return { kind: 'lost' };
  }

  const state = {
    open: vi.fn<SaleState['open']>(async (sale) => {
      const l = live(sale);
      if (l.cap === 0) l.cap = sale.units + admissionBuffer(sale.units);
    }),
    isOpen: vi.fn<SaleState['isOpen']>(async (sale) => (lives.get(key(sale.shopId, sale.saleId))?.cap ?? 0) > 0),
    enter: vi.fn<SaleState['enter']>(async (sale, customerId, quantity, enteredAt): Promise<EntryOutcome> => {
      const l = live(sale);
      l.stats.entries += 1;
      const existing = l.customers.get(customerId);
      if (existing !== undefined) {
        const t = view(sale, existing)!;
        return t.status === 'queued' ? { kind: 'queued', ticket: existing, fresh: false } : { kind: 'decided', ticket: t };
      }
      if ((inGate(sale) <= 0 && l.held <= 0) || l.seq >= l.cap) {
        l.stats.soldOut += 1;
        return { kind: 'sold_out' };
      }
      const n = ++l.seq;
      l.customers.set(customerId, n);
      l.tickets.set(n, { customerId, quantity, status: 'queued', enteredAt: enteredAt.getTime() });
      return { kind: 'queued', ticket: n, fresh: true };
    }),
    decide: vi.fn<SaleState['decide']>((sale, n, decidedAt) => decideOne(sale, n, decidedAt)),
    decideBatch: vi.fn<SaleState['decideBatch']>(async (sale, tickets, decidedAt, ahead) => {
      const decisions: Array<{ kind: Decision['kind']; fresh: boolean }> = [];
      for (const n of tickets) {
        const before = live(sale).tickets.get(n)?.status;
        const { kind }: Decision = await decideOne(sale, n, decidedAt);
        decisions.push({ kind, fresh: before !== live(sale).tickets.get(n)?.status || kind === 'waiting' });
      }
      const line = [...live(sale).tickets.entries()]
        .filter(([, t]) => t.status === 'queued')
        .map(([n]) => n)
        .slice(0, ahead);
      for (const n of line) await decideOne(sale, n, decidedAt);
      return { decisions, decidedAhead: line.length };
    }),
    recorderTurn: vi.fn<SaleState['recorderTurn']>(async (sale) => {
      const l = live(sale);
      if (l.recorderTurn) return undefined;
      l.recorderTurn = `turn-${Math.random()}`;
      return l.recorderTurn;
    }),
    endRecorderTurn: vi.fn<SaleState['endRecorderTurn']>(async (sale, token) => {
      const l = live(sale);
      if (l.recorderTurn === token) l.recorderTurn = undefined;
    }),
    ticket: vi.fn<SaleState['ticket']>(async (sale, n) => view(sale, n)),
    holdEnded: vi.fn<SaleState['holdEnded']>(async (sale, n, holdId) => {
      const l = live(sale);
      const t = l.tickets.get(n);
      if (t?.status !== 'won' || t.holdId !== holdId || t.ordered) return { returned: 0, next: [] };
      t.status = 'expired';
      l.held = Math.max(0, l.held - t.quantity);
      setGate(sale, inGate(sale) + t.quantity);
      l.stats.expired += 1;
      const next = l.waiting.slice(0, 50); // a ticket leaves the line only once decided
      if (next.length === 0) l.cap += t.quantity;
      return { returned: t.quantity, next };
    }),
    foreignHoldEnded: vi.fn<SaleState['foreignHoldEnded']>(async (sale, holdId, units) => {
      const l = live(sale);
      if (l.foreign.has(holdId)) return { returned: 0, next: [] };
      l.foreign.add(holdId);
      setGate(sale, inGate(sale) + units);
      const next = l.waiting.slice(0, 50);
      if (next.length === 0) l.cap += units;
      return { returned: units, next };
    }),
    holdRecorded: vi.fn<SaleState['holdRecorded']>(async (sale, n) => {
      const t = live(sale).tickets.get(n);
      if (t) t.recorded = true;
    }),
    holdsRecorded: vi.fn<SaleState['holdsRecorded']>(async (sale, tickets) => {
      for (const n of tickets) {
        const t = live(sale).tickets.get(n);
        if (t) t.recorded = true;
      }
    }),
    orderPlaced: vi.fn<SaleState['orderPlaced']>(async (sale, { orderId, units, ticket, holdId }) => {
      const l = live(sale);
      const t = ticket === undefined ? undefined : l.tickets.get(ticket);
      if (t) {
        if (t.status === 'won' && t.holdId === holdId && !t.ordered) {
          t.ordered = orderId;
          l.held = Math.max(0, l.held - t.quantity);
          if (!l.orders.has(orderId)) l.stats.unitsSold += t.quantity;
          l.orders.add(orderId);
        }
      } else if (!l.orders.has(orderId)) {
        l.orders.add(orderId);
        l.stats.unitsSold += units;
      }
      return l.held <= 0 && inGate(sale) <= 0 ? [...l.waiting] : [];
    }),
    customerTicket: vi.fn<SaleState['customerTicket']>(async (sale, customerId) => live(sale).customers.get(customerId)),
    overdue: vi.fn<SaleState['overdue']>(async (sale, { queuedBefore, decidedBefore, expiredBefore }, limit) => {
      const all = [...live(sale).tickets.entries()];
      const pick = (keep: (t: FakeTicket) => boolean) =>
        all
          .filter(([, t]) => keep(t))
          .map(([n]) => n)
          .slice(0, limit);
      return {
        queued: pick((t) => t.status === 'queued' && t.enteredAt <= queuedBefore.getTime()),
        unrecorded: pick((t) => t.status === 'won' && t.recorded === false && t.decidedAt! <= decidedBefore.getTime()),
        expiredHolds: pick((t) => t.status === 'won' && !t.ordered && Date.parse(t.holdExpiresAt!) <= expiredBefore.getTime()),
      };
    }),
    unrecorded: vi.fn<SaleState['unrecorded']>(async (sale, limit = Infinity) =>
      [...live(sale).tickets.entries()]
        .filter(([, t]) => t.status === 'won' && t.recorded === false)
        .sort(([, a], [, b]) => a.decidedAt! - b.decidedAt!)
        .slice(0, limit)
        .map(([ticket, t]) => ({ ticket, holdId: t.holdId!, holdExpiresAt: t.holdExpiresAt!, quantity: t.quantity, customerId: t.customerId })),
    ),
    gateSnapshot: vi.fn<SaleState['gateSnapshot']>(async (sale) => ({
      inGate: inGate(sale),
      outstanding: [...live(sale).tickets.values()].filter((t) => t.status === 'won' && t.recorded === false).reduce((sum, t) => sum + t.quantity, 0),
    })),
    recountHeld: vi.fn<SaleState['recountHeld']>(async (sale) => {
      const l = live(sale);
      const before = l.held;
      l.held = [...l.tickets.values()].filter((t) => t.status === 'won' && !t.ordered).reduce((sum, t) => sum + t.quantity, 0);
      return { before, after: l.held };
    }),
    sameDriftAsLastRun: vi.fn<SaleState['sameDriftAsLastRun']>(async (sale, discrepancy) => {
      const l = live(sale);
      const same = discrepancy !== 0 && l.drift === discrepancy;
      l.drift = discrepancy === 0 || same ? undefined : discrepancy;
      return same;
    }),
    count: vi.fn<SaleState['count']>(async (sale, field, n) => {
      live(sale).stats[field] += n;
    }),
    waiting: vi.fn<SaleState['waiting']>(async (sale) => [...live(sale).waiting]),
    counts: vi.fn<SaleState['counts']>(async (sale): Promise<SaleCounts> => {
      const l = live(sale);
      const { entries, won, lost, expired, soldOut, unitsSold, unitsReturned, redriven, repaired } = l.stats;
      return {
        inGate: inGate(sale),
        held: l.held,
        entries,
        tickets: l.seq,
        won,
        lost,
        expired,
        orders: l.orders.size,
        soldOutAnswers: soldOut,
        waiting: l.waiting.length,
        unitsSold,
        unitsReturned,
        redriven,
        repaired,
      };
    }),
    admit: vi.fn<SaleState['admit']>(async (_sale, customerId) => options.admit?.(customerId) ?? { ok: true }),
  } satisfies SaleState;

  const queue = { send: vi.fn<TicketQueue['send']>(async () => {}) } satisfies TicketQueue;

  // The allocation: units from available into the gate and back. `allocated` is what
  // DynamoDB says the gate should hold (holds recorded from the gate are taken out of it).
  let available = options.available ?? 100;
  const allocated = new Map<string, number>();
  const addAllocated = (shopId: string, sku: string, delta: number) => allocated.set(key(shopId, sku), (allocated.get(key(shopId, sku)) ?? 0) + delta);
  const allocation = {
    allocate: vi.fn(async (shopId: string, sku: string, units: number, _context: GateContext): Promise<number> => {
      if (available < units) throw new OutOfStockError([sku]);
      available -= units;
      addAllocated(shopId, sku, units);
      setGate({ shopId, sku }, inGate({ shopId, sku }) + units);
      return inGate({ shopId, sku });
    }),
    returnUnits: vi.fn(async (shopId: string, sku: string, _context: GateContext, max = Number.MAX_SAFE_INTEGER): Promise<number> => {
      const n = Math.min(inGate({ shopId, sku }), max);
      setGate({ shopId, sku }, inGate({ shopId, sku }) - n);
      available += n;
      addAllocated(shopId, sku, -n);
      return n;
    }),
    reconcile: vi.fn(async (shopId: string, sku: string, outstanding = 0): Promise<GateReconciliation> => {
      const should = allocated.get(key(shopId, sku)) ?? 0;
      const has = inGate({ shopId, sku });
      const discrepancy = should - outstanding - has;
      setGate({ shopId, sku }, has + discrepancy);
      return { sku, allocated: should, outstanding, inGate: has, discrepancy, action: discrepancy > 0 ? 'restored' : discrepancy < 0 ? 'withdrawn' : 'none' };
    }),
    compare: vi.fn(async (shopId: string, sku: string, outstanding = 0): Promise<GateReconciliation> => {
      const should = allocated.get(key(shopId, sku)) ?? 0;
      const has = inGate({ shopId, sku });
      return { sku, allocated: should, outstanding, inGate: has, discrepancy: should - outstanding - has, action: 'none' };
    }),
    repair: vi.fn(async (shopId: string, sku: string, discrepancy: number): Promise<void> => {
      setGate({ shopId, sku }, Math.max(0, inGate({ shopId, sku }) + discrepancy));
    }),
  };

  // Reservations: the same id again is answered unchanged.
  const holds = new Map<string, Reservation>();
  const reservations = {
    reserve: vi.fn(async (input: ReserveInput): Promise<Reservation> => {
      const id = input.reservationId ?? 'res_generated';
      const known = holds.get(id);
      if (known) return known;
      const created: Reservation = {
        shopId: input.shopId,
        reservationId: id,
        lines: input.lines,
        status: 'ACTIVE',
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + (input.expiresInSeconds ?? 900) * 1000).toISOString(),
        source: input.source,
        ...(input.reference ? { reference: input.reference } : {}),
        ...(input.fromGate ? { fromGate: true } : {}),
      };
      holds.set(id, created);
      if (input.fromGate) for (const line of input.lines) addAllocated(input.shopId, line.sku, -line.quantity);
      return created;
    }),
    /** A batch of gate holds in one write (as the repository's transaction): those already written are left out. */
    reserveFromGate: vi.fn(async (shopId: string, sku: string, batch: readonly GateHoldInput[]): Promise<number> => {
      expect(batch.length).toBeLessThanOrEqual(MAX_GATE_HOLDS_PER_BATCH);
      const fresh = batch.filter((hold) => !holds.has(hold.reservationId));
      for (const hold of fresh) {
        holds.set(hold.reservationId, {
          shopId,
          reservationId: hold.reservationId,
          lines: [{ sku, quantity: hold.quantity }],
          status: 'ACTIVE',
          createdAt: now.toISOString(),
          expiresAt: hold.expiresAt,
          source: hold.source,
          reference: hold.reference,
          fromGate: true,
        });
        addAllocated(shopId, sku, -hold.quantity);
      }
      return fresh.length;
    }),
    get: vi.fn(async (_shopId: string, id: string): Promise<Reservation | undefined> => holds.get(id)),
    /** Ends a hold as the repository does (units back to the gate's allocation); the event is the test's to deliver. */
    release: vi.fn(async (_shopId: string, id: string): Promise<Reservation> => {
      const hold = holds.get(id)!;
      if (hold.status !== 'ACTIVE') throw new ReservationNotActiveError(id, hold.status);
      const released: Reservation = { ...hold, status: 'RELEASED' };
      holds.set(id, released);
      if (hold.fromGate) for (const line of hold.lines) addAllocated(hold.shopId, line.sku, line.quantity);
      return released;
    }),
  };

  /** Redis loses its data (a node replaced without its append-only file). */
  const loseRedis = () => {
    lives.clear();
    gate.clear();
  };

  const log = vi.fn<(message: string, details: Record<string, unknown>) => void>();
  const run = makeRunSales({
    sales,
    state,
    queue,
    allocation,
    reservations,
    clock,
    log,
    ...(options.edgeFlags ? { edgeFlags: options.edgeFlags } : {}),
    ...(options.capacity ? { capacity: options.capacity } : {}),
    ...(options.updates ? { updates: options.updates } : {}),
  });
  /** Checkout placed an order on the hold: it is committed in DynamoDB, then OrderPlaced arrives. */
  const commitHold = (id: string) => holds.set(id, { ...holds.get(id)!, status: 'COMMITTED' });

  return { run, sales, state, queue, allocation, reservations, holds, records, setNow, inGate, available: () => available, live, loseRedis, commitHold, log };
}

const saleInput = (extra: Partial<CreateSaleInput> = {}): CreateSaleInput => ({
  shopId: SHOP,
  sku: SKU,
  units: 3,
  startsAt: START.toISOString(),
  endsAt: at(3600).toISOString(),
  perCustomerLimit: 2,
  holdSeconds: 300,
  actor: 'staff-1',
  ...extra,
});

/** A world with a sale created an hour before its start, and the clock at `now` (default: just after the start). */
async function withSale(extra: Partial<CreateSaleInput> = {}, options: WorldOptions & { now?: Date } = {}) {
  const w = world(options);
  const sale = await w.run.createSale(saleInput(extra));
  w.setNow(options.now ?? at(1));
  return { ...w, sale };
}

describe('createSale', () => {
  it('records the sale, moves its units into the gate and opens its state', async () => {
    const w = world();
    const sale = await w.run.createSale(saleInput());
    expect(sale).toMatchObject({ shopId: SHOP, sku: SKU, units: 3, perCustomerLimit: 2, holdSeconds: 300, createdAt: at(-3600).toISOString() });
    expect(sale.saleId).toMatch(/^sale_/);
    expect(sale).not.toHaveProperty('closedAt');
    expect(w.sales.create).toHaveBeenCalledWith(sale);
    expect(w.allocation.allocate).toHaveBeenCalledWith(SHOP, SKU, 3, { actor: 'staff-1', reference: sale.saleId });
    expect(w.state.open).toHaveBeenCalledWith(sale);
    expect(w.inGate(sale)).toBe(3);
    expect(w.available()).toBe(97);
    expect(await w.run.getSale(SHOP, sale.saleId)).toMatchObject({ saleId: sale.saleId, status: 'upcoming' });
  });

  it.each([
    ['endsAt not after startsAt', { endsAt: START.toISOString() }, 'body.endsAt'],
    ['endsAt before startsAt', { endsAt: at(-60).toISOString() }, 'body.endsAt'],
    ['perCustomerLimit above the units', { perCustomerLimit: 4 }, 'body.perCustomerLimit'],
  ])('refuses %s and changes nothing', async (_name, extra, path) => {
    const w = world();
    const error = await w.run.createSale(saleInput(extra)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.path)).toContain(path);
    expect(w.sales.create).not.toHaveBeenCalled();
    expect(w.allocation.allocate).not.toHaveBeenCalled();
    expect(w.state.open).not.toHaveBeenCalled();
  });

  it('accepts perCustomerLimit equal to the units', async () => {
    const w = world();
    await expect(w.run.createSale(saleInput({ perCustomerLimit: 3 }))).resolves.toMatchObject({ perCustomerLimit: 3 });
  });

  it('discards the sale when its units cannot be allocated, so the SKU is free again', async () => {
    const w = world({ available: 2 });
    const error = await w.run.createSale(saleInput({ units: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfStockError);
    const attempted = w.sales.create.mock.calls[0]![0];
    expect(w.sales.discard).toHaveBeenCalledWith(attempted);
    expect(await w.sales.get(SHOP, attempted.saleId)).toBeUndefined();
    expect(w.state.open).not.toHaveBeenCalled();
    expect(w.inGate(attempted)).toBe(0);
    expect(w.available()).toBe(2);
    // The SKU can have a sale again.
    await expect(w.run.createSale(saleInput({ units: 2, perCustomerLimit: 1 }))).resolves.toMatchObject({ units: 2 });
  });

  it('allocates nothing when the SKU already has an open sale', async () => {
    const w = world();
    await w.run.createSale(saleInput());
    await expect(w.run.createSale(saleInput())).rejects.toMatchObject({ code: 'sale_exists' });
    expect(w.allocation.allocate).toHaveBeenCalledTimes(1);
    expect(w.sales.discard).not.toHaveBeenCalled();
    expect(w.available()).toBe(97);
  });
});

describe('enter', () => {
  it('refuses before the start (not_started) and after the end or close (ended)', async () => {
    const w = await withSale({}, { now: at(-1) });
    const early = await w.run.enter(SHOP, w.sale.saleId, 'alice', 1).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(SaleNotStartedError);
    expect(early).toMatchObject({ code: 'not_started' });

    w.setNow(at(3600));
    const late = await w.run.enter(SHOP, w.sale.saleId, 'alice', 1).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(SaleEndedError);
    expect(late).toMatchObject({ code: 'ended' });

    const closed = await withSale({ sku: 'OTHER' });
    closed.records.set(`${SHOP}#${closed.sale.saleId}`, { ...closed.sale, closedAt: at(0).toISOString() });
    await expect(closed.run.enter(SHOP, closed.sale.saleId, 'alice', 1)).rejects.toMatchObject({ code: 'ended' });

    for (const x of [w, closed]) {
      expect(x.state.admit).not.toHaveBeenCalled();
      expect(x.state.enter).not.toHaveBeenCalled();
    }
  });

  it('answers not_found for a sale that does not exist', async () => {
    const w = await withSale();
    await expect(w.run.enter(SHOP, 'sale_missing', 'alice', 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(w.run.enter('shop-2', w.sale.saleId, 'alice', 1)).rejects.toMatchObject({ code: 'not_found' });
  });

  it.each([0, -1, 3, 1.5, Number.NaN])('refuses a quantity of %s (1 to perCustomerLimit 2)', async (quantity) => {
    const w = await withSale();
    const error = await w.run.enter(SHOP, w.sale.saleId, 'alice', quantity).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([expect.objectContaining({ path: 'body.quantity' })]);
    expect(w.state.admit).not.toHaveBeenCalled();
    expect(w.state.enter).not.toHaveBeenCalled();
  });

  it('answers 429 with retryAfterSeconds from the rate limiter, taking no ticket', async () => {
    const w = await withSale({}, { admit: (c) => (c === 'bot' ? { ok: false, retryAfterMs: 1_500 } : { ok: true }) });
    const error = await w.run.enter(SHOP, w.sale.saleId, 'bot', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 2 });
    expect(w.state.admit).toHaveBeenCalledWith(w.sale, 'bot', at(1));
    expect(w.state.enter).not.toHaveBeenCalled();
    expect(w.queue.send).not.toHaveBeenCalled();
  });

  it('queues a fresh ticket and sends it once', async () => {
    const w = await withSale();
    expect(await w.run.enter(SHOP, w.sale.saleId, 'alice', 2)).toEqual({ status: 'queued', ticket: 1, pollAfterMs: POLL_AFTER_MS, ticketEndsAt: expect.any(String) });
    expect(w.state.enter).toHaveBeenCalledWith(w.sale, 'alice', 2, at(1));
    expect(w.queue.send).toHaveBeenCalledTimes(1);
    expect(w.queue.send).toHaveBeenCalledWith(w.sale, 1);
    expect(await w.run.enter(SHOP, w.sale.saleId, 'bob', 1)).toMatchObject({ status: 'queued', ticket: 2 });
    expect(w.queue.send).toHaveBeenLastCalledWith(w.sale, 2);
  });

  it('sends a queued ticket again when the customer retries after a failed send', async () => {
    const w = await withSale();
    w.queue.send.mockRejectedValueOnce(new Error('SQS is down'));
    await expect(w.run.enter(SHOP, w.sale.saleId, 'alice', 1)).rejects.toThrow('SQS is down');
    // The ticket exists (taken in Redis) but never reached the queue: the retry sends it.
    expect(await w.run.enter(SHOP, w.sale.saleId, 'alice', 1)).toEqual({ status: 'queued', ticket: 1, pollAfterMs: POLL_AFTER_MS, ticketEndsAt: expect.any(String) });
    expect(w.queue.send.mock.calls.map(([, t]) => t)).toEqual([1, 1]);
    expect((await w.state.counts(w.sale)).tickets).toBe(1);
  });

  it('answers a decided ticket as it is, without sending it again', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 1)).toBe('won');
    const answer = await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(answer).toEqual({ status: 'decided', ticket: expect.objectContaining({ ticket: 1, status: 'won', holdId: holdIdOf(w.sale.saleId, 1) }) });
    expect(w.queue.send).toHaveBeenCalledTimes(1);
  });

  it('answers sold out without queueing', async () => {
    const w = await withSale({ units: 1, perCustomerLimit: 1 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    w.commitHold(holdIdOf(w.sale.saleId, 1));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 1 });
    expect(await w.run.enter(SHOP, w.sale.saleId, 'bob', 1)).toEqual({ status: 'sold_out' });
    expect(w.queue.send).toHaveBeenCalledTimes(1);
    expect(await w.run.getSale(SHOP, w.sale.saleId)).toMatchObject({ status: 'sold_out' });
  });
});

/** The holds the recorder wrote, in order of its calls: [holdId, ...] per batch. */
const batches = (w: { reservations: { reserveFromGate: { mock: { calls: Array<[string, string, readonly GateHoldInput[]]> } } } }) =>
  w.reservations.reserveFromGate.mock.calls.map(([, , holds]) => holds.map((h) => h.reservationId));

describe('decideTickets', () => {
  it('decides its tickets and, ahead of their messages, the queued ones in line order; the recorder writes the winners’ holds in one batch', async () => {
    const w = await withSale({ units: 3, perCustomerLimit: 1 });
    for (const c of ['alice', 'bob', 'carol', 'dave', 'erin']) await w.run.enter(SHOP, w.sale.saleId, c, 1);
    expect(await w.run.decideTickets(SHOP, w.sale.saleId, [2], 0)).toEqual({ outcomes: ['won'], decidedAhead: 4 });
    // Ticket 2 first, then the line from the front: 1 and 3 win, 4 and 5 wait for the open holds.
    for (const [n, c, status] of [
      [1, 'alice', 'won'],
      [3, 'carol', 'won'],
      [4, 'dave', 'queued'],
      [5, 'erin', 'queued'],
    ] as const) {
      expect(await w.run.ticket(SHOP, w.sale.saleId, n, c)).toMatchObject({ status });
    }
    expect(w.live(w.sale).waiting).toEqual([4, 5]);
    expect(batches(w)).toEqual([[1, 2, 3].map((n) => holdIdOf(w.sale.saleId, n))]);
    expect(w.reservations.reserveFromGate).toHaveBeenCalledWith(SHOP, SKU, [
      expect.objectContaining({ reservationId: holdIdOf(w.sale.saleId, 1), reference: `${w.sale.saleId}:alice:1` }),
      { reservationId: holdIdOf(w.sale.saleId, 2), quantity: 1, source: 'flash_sale', reference: `${w.sale.saleId}:bob:2`, expiresAt: at(301).toISOString() },
      expect.objectContaining({ reservationId: holdIdOf(w.sale.saleId, 3), reference: `${w.sale.saleId}:carol:3` }),
    ]);
    expect(w.reservations.reserve).not.toHaveBeenCalled();
    expect(w.inGate(w.sale)).toBe(0);
    // The later messages find their tickets decided: nothing new, nothing written twice.
    expect(await w.run.decideTickets(SHOP, w.sale.saleId, [1, 3, 4], 0)).toEqual({ outcomes: ['won', 'won', 'waiting'], decidedAhead: 0 });
    expect(w.holds.size).toBe(3);
    expect(w.reservations.reserveFromGate).toHaveBeenCalledTimes(1);
  });

  it('keeps a customer id with colons recoverable from the reference', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'auth0|x:y', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    const { reference } = w.reservations.reserveFromGate.mock.calls[0]![2][0]!;
    expect(reference).toBe(`${w.sale.saleId}:auth0|x:y:1`);
    expect(parseHoldReference(reference)).toEqual({ saleId: w.sale.saleId, customerId: 'auth0|x:y', ticket: 1, generation: 0 });
  });

  it('writes a hold once when the same ticket is delivered twice at once', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    const [a, b] = await Promise.all([w.run.decideTicket(SHOP, w.sale.saleId, 1), w.run.decideTicket(SHOP, w.sale.saleId, 1)]);
    expect([a, b]).toEqual(['won', 'won']);
    expect(batches(w).flat()).toEqual([holdIdOf(w.sale.saleId, 1)]);
    expect(w.holds.size).toBe(1);
    expect(w.inGate(w.sale)).toBe(2);
  });

  it('writes the holds a recorder that died left unwritten, expiring when the decision said', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    // The decision is in Redis, then the process died before the recorder wrote the hold.
    await w.state.decideBatch(w.sale, [1], at(1), 0);
    expect(w.holds.size).toBe(0);
    w.setNow(at(101));
    expect(await w.run.recordHolds(SHOP, w.sale.saleId)).toBe(1);
    expect(w.holds.get(holdIdOf(w.sale.saleId, 1))?.expiresAt).toBe(at(301).toISOString());
    expect(w.live(w.sale).tickets.get(1)?.recorded).toBe(true);
    expect(await w.run.recordHolds(SHOP, w.sale.saleId)).toBe(0);
  });

  it('writes nothing while another recorder has the sale’s turn, and everything once it is given back, at most 99 holds a write', async () => {
    const w = await withSale({ units: 250, perCustomerLimit: 1 }, { available: 300 });
    for (let c = 0; c < 250; c++) await w.run.enter(SHOP, w.sale.saleId, `fan-${c}`, 1);
    const turn = await w.state.recorderTurn(w.sale, 30_000);
    await w.run.decideTickets(SHOP, w.sale.saleId, [1], 0);
    await w.run.decideTickets(SHOP, w.sale.saleId, [150], 0);
    await w.run.decideTickets(SHOP, w.sale.saleId, [250], 0);
    expect(w.live(w.sale).stats.won).toBe(250);
    expect(w.holds.size).toBe(0);
    await w.state.endRecorderTurn(w.sale, turn!);
    expect(await w.run.recordHolds(SHOP, w.sale.saleId)).toBe(250);
    expect(batches(w).map((b) => b.length)).toEqual([99, 99, 52]);
    expect(w.holds.size).toBe(250);
  });

  it('leaves a hold whose time is up to the minute job (ended in Redis, never written)', async () => {
    const w = await withSale({ holdSeconds: 60 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.state.decideBatch(w.sale, [1], at(1), 0);
    w.setNow(at(62));
    expect(await w.run.recordHolds(SHOP, w.sale.saleId)).toBe(0);
    expect(w.holds.size).toBe(0);
  });

  it('writes no hold for a waiting or lost ticket', async () => {
    const w = await withSale({ units: 1, perCustomerLimit: 1 });
    for (const c of ['alice', 'bob', 'carol']) await w.run.enter(SHOP, w.sale.saleId, c, 1);
    expect(await w.run.decideTickets(SHOP, w.sale.saleId, [1, 2], 0)).toMatchObject({ outcomes: ['won', 'waiting'] });
    w.commitHold(holdIdOf(w.sale.saleId, 1));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 1 });
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 3)).toBe('lost');
    expect(batches(w).flat()).toEqual([holdIdOf(w.sale.saleId, 1)]);
  });

  it('decides nothing for a message of another generation of the state', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.decideTickets(SHOP, w.sale.saleId, [1], 3)).toEqual({ outcomes: ['lost'], decidedAhead: 0 });
    expect(w.live(w.sale).tickets.get(1)?.status).toBe('queued');
  });

  it('answers not_found for a sale that does not exist', async () => {
    const w = await withSale();
    await expect(w.run.decideTicket(SHOP, 'sale_missing', 1)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('recordHoldOf (checkout’s claim before the recorder)', () => {
  it('writes the hold of a live win of this customer from Redis, once', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 2);
    await w.state.decideBatch(w.sale, [1], at(1), 0);
    const holdId = holdIdOf(w.sale.saleId, 1);
    expect(await w.run.recordHoldOf(SHOP, holdId, 'alice')).toBe(true);
    expect(w.holds.get(holdId)).toMatchObject({ status: 'ACTIVE', lines: [{ sku: SKU, quantity: 2 }], reference: `${w.sale.saleId}:alice:1`, fromGate: true, expiresAt: at(301).toISOString() });
    expect(w.live(w.sale).tickets.get(1)?.recorded).toBe(true);
    // The recorder then finds nothing to write.
    expect(await w.run.recordHolds(SHOP, w.sale.saleId)).toBe(0);
    expect(w.holds.size).toBe(1);
  });

  it('writes nothing for another customer, an expired hold, a hold of another generation or an id that is no hold', async () => {
    const w = await withSale({ holdSeconds: 60 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.state.decideBatch(w.sale, [1], at(1), 0);
    expect(await w.run.recordHoldOf(SHOP, holdIdOf(w.sale.saleId, 1), 'mallory')).toBe(false);
    expect(await w.run.recordHoldOf(SHOP, holdIdOf(w.sale.saleId, 1, 2), 'alice')).toBe(false);
    expect(await w.run.recordHoldOf(SHOP, holdIdOf('sale_missing', 1), 'alice')).toBe(false);
    expect(await w.run.recordHoldOf(SHOP, 'res_123', 'alice')).toBe(false);
    w.setNow(at(62));
    expect(await w.run.recordHoldOf(SHOP, holdIdOf(w.sale.saleId, 1), 'alice')).toBe(false);
    expect(w.holds.size).toBe(0);
  });
});

describe('ticket', () => {
  it("shows a customer their ticket, and another customer's ticket as not found", async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.ticket(SHOP, w.sale.saleId, 1, 'alice')).toMatchObject({ ticket: 1, customerId: 'alice', status: 'queued' });
    const error = await w.run.ticket(SHOP, w.sale.saleId, 1, 'mallory').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'not_found' });
    await expect(w.run.ticket(SHOP, w.sale.saleId, 2, 'alice')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('shows a win at once, before its hold is written to DynamoDB (checkout writes it if it comes first)', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.state.decideBatch(w.sale, [1], at(1), 0);
    const won = await w.run.ticket(SHOP, w.sale.saleId, 1, 'alice');
    expect(won).toEqual({ ticket: 1, customerId: 'alice', quantity: 1, status: 'won', holdId: holdIdOf(w.sale.saleId, 1), holdExpiresAt: at(301).toISOString() });
  });
});

describe('holdEnded', () => {
  it('gives the units back to the gate and decides the next waiting tickets, writing their holds', async () => {
    const w = await withSale({ units: 2, perCustomerLimit: 1 });
    for (const c of ['alice', 'bob', 'carol']) await w.run.enter(SHOP, w.sale.saleId, c, 1);
    for (const t of [1, 2, 3]) await w.run.decideTicket(SHOP, w.sale.saleId, t);
    expect(batches(w).flat()).toHaveLength(2);
    expect(await w.run.ticket(SHOP, w.sale.saleId, 3, 'carol')).toMatchObject({ status: 'queued' });

    expect(await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) })).toEqual({ returned: 1, decided: 1 });
    expect(await w.run.ticket(SHOP, w.sale.saleId, 3, 'carol')).toMatchObject({ status: 'won', holdId: holdIdOf(w.sale.saleId, 3) });
    expect(w.reservations.reserveFromGate).toHaveBeenLastCalledWith(SHOP, SKU, [expect.objectContaining({ reservationId: holdIdOf(w.sale.saleId, 3), reference: `${w.sale.saleId}:carol:3` })]);
    expect(w.inGate(w.sale)).toBe(0);
    expect(w.allocation.returnUnits).not.toHaveBeenCalled();

    // The same event again changes nothing.
    expect(await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) })).toEqual({ returned: 0, decided: 0 });
    expect(batches(w).flat()).toHaveLength(3);
  });

  it('after the sale closed, returns the units to available instead of re-offering them', async () => {
    const w = await withSale({ units: 2, perCustomerLimit: 1, holdSeconds: 3600 });
    for (const c of ['alice', 'bob', 'carol']) await w.run.enter(SHOP, w.sale.saleId, c, 1);
    for (const t of [1, 2, 3]) await w.run.decideTicket(SHOP, w.sale.saleId, t); // 1, 2 won; 3 waiting
    w.setNow(at(3601));
    expect(await w.run.closeEndedSales()).toHaveLength(1);
    const availableAtClose = w.available();

    expect(await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) })).toEqual({ returned: 1, decided: 0 });
    expect(w.allocation.returnUnits).toHaveBeenLastCalledWith(SHOP, SKU, { actor: 'flash-sale', reference: w.sale.saleId }, 1);
    expect(w.available()).toBe(availableAtClose + 1);
    expect(w.inGate(w.sale)).toBe(0);
    // A ticket still waiting when the sale closed has lost.
    expect(await w.run.ticket(SHOP, w.sale.saleId, 3, 'carol')).toMatchObject({ status: 'lost' });
    expect(batches(w).flat()).toHaveLength(2);

    const returns = w.allocation.returnUnits.mock.calls.length;
    expect(await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) })).toEqual({ returned: 0, decided: 0 });
    expect(w.allocation.returnUnits).toHaveBeenCalledTimes(returns);
  });
});

describe('orderPlaced', () => {
  it('counts the order in the sale state', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 2);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    w.commitHold(holdIdOf(w.sale.saleId, 1));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 2 });
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 2 });
    expect(w.state.orderPlaced).toHaveBeenCalledWith(w.sale, { orderId: 'ord_1', units: 2, ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) });
    expect(await w.state.counts(w.sale)).toMatchObject({ orders: 1, held: 0, inGate: 1 });
    await expect(w.run.orderPlaced(SHOP, 'sale_missing', { orderId: 'ord_2', customerId: 'alice', units: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('capacity warmed around a sale', () => {
  const LIMITS = { entryRatePerSecond: 3000, pollRatePerSecond: 2000, decisionConcurrency: 16, budget: 400 };
  const capacity = (scheduler: Partial<CapacityScheduler> = {}) => ({
    scheduler: { schedule: vi.fn<CapacityScheduler['schedule']>(async () => {}), release: vi.fn<CapacityScheduler['release']>(async () => {}), ...scheduler },
    limits: LIMITS,
    failed: vi.fn<(step: 'schedule' | 'release', details: Record<string, unknown>) => void>(),
  });

  it('schedules the sale, once written, from 5 minutes before its start to its end, sized from expectedEntries', async () => {
    const c = capacity();
    const w = world({ capacity: c, available: 10_000 });
    const sale = await w.run.createSale(saleInput({ units: 10_000, expectedEntries: 500_000 }));
    expect(c.scheduler.schedule).toHaveBeenCalledTimes(1);
    expect(c.scheduler.schedule).toHaveBeenCalledWith({
      shopId: SHOP,
      saleId: sale.saleId,
      warmAt: at(-300),
      coolAt: at(3600),
      capacity: { entries: 90, ticketPolls: 48, ticketDecisions: 16 },
    });
    expect(w.state.open).toHaveBeenCalledBefore(vi.mocked(c.scheduler.schedule));
  });

  it('answers the sale when scheduling fails: reported, nothing undone', async () => {
    const c = capacity({ schedule: vi.fn<CapacityScheduler['schedule']>(async () => Promise.reject(new Error('ThrottlingException'))) });
    const w = world({ capacity: c });
    const sale = await w.run.createSale(saleInput());
    expect(w.records.get(`${SHOP}#${sale.saleId}`)).toBeDefined();
    expect(w.sales.discard).not.toHaveBeenCalled();
    expect(c.failed).toHaveBeenCalledWith('schedule', { shopId: SHOP, saleId: sale.saleId, error: 'Error: ThrottlingException' });
  });

  it('does not schedule a sale that could not be created', async () => {
    const c = capacity();
    const w = world({ capacity: c, available: 1 });
    await expect(w.run.createSale(saleInput({ units: 3 }))).rejects.toThrow();
    expect(c.scheduler.schedule).not.toHaveBeenCalled();
  });

  it('releases the schedule when the sale closes, once; a failed release is reported and the close stands', async () => {
    const c = capacity({ release: vi.fn<CapacityScheduler['release']>(async () => Promise.reject(new Error('AccessDenied'))) });
    const w = world({ capacity: c });
    const sale = await w.run.createSale(saleInput());
    w.setNow(at(3601));
    expect(await w.run.closeEndedSales()).toHaveLength(1);
    expect(c.scheduler.release).toHaveBeenCalledWith(expect.objectContaining({ shopId: SHOP, saleId: sale.saleId }), at(3601));
    expect(c.failed).toHaveBeenCalledWith('release', expect.objectContaining({ saleId: sale.saleId }));
    expect(await w.run.closeEndedSales()).toEqual([]);
    expect(c.scheduler.release).toHaveBeenCalledTimes(1);
  });

  it('warms a process: the open sales go into the cache the entries read', async () => {
    const w = world();
    const sale = await w.run.createSale(saleInput());
    expect(await w.run.warmUp()).toBe(1);
    w.sales.get.mockClear();
    w.setNow(at(-3600));
    await w.run.getSale(SHOP, sale.saleId);
    expect(w.sales.get).not.toHaveBeenCalled();
  });
});

describe('closeEndedSales', () => {
  it('returns the gate’s units to available, reconciles, and closes each ended sale once with its report', async () => {
    const w = await withSale({ units: 3, holdSeconds: 3600 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    w.commitHold(holdIdOf(w.sale.saleId, 1));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 1 });
    await w.run.enter(SHOP, w.sale.saleId, 'bob', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 2); // an open hold at the end

    // Not ended yet: nothing happens.
    w.setNow(at(3599));
    expect(await w.run.closeEndedSales()).toEqual([]);
    expect(w.allocation.returnUnits).not.toHaveBeenCalled();

    w.setNow(at(3601));
    const availableBefore = w.available();
    const closed = await w.run.closeEndedSales();
    expect(closed).toEqual([
      {
        saleId: w.sale.saleId,
        report: expect.objectContaining({ unitsReturned: 1, unitsSold: 1, won: 2, orders: 1, held: 1, tickets: 2, inGate: 0 }),
        healed: expect.objectContaining({ redriven: 0, repaired: 0 }),
      },
    ]);
    expect(w.allocation.returnUnits).toHaveBeenCalledWith(SHOP, SKU, { actor: 'flash-sale', reference: w.sale.saleId });
    // The gate agrees with the allocation (bob's open hold is recorded): nothing to repair.
    expect(w.allocation.compare).toHaveBeenCalledTimes(1);
    expect(w.allocation.repair).not.toHaveBeenCalled();
    expect(w.available()).toBe(availableBefore + 1);
    expect(w.sales.close).toHaveBeenCalledWith(SHOP, w.sale.saleId, closed[0]!.report, at(3601).toISOString());

    // Closed once: a later run finds nothing to close.
    expect(await w.run.closeEndedSales()).toEqual([]);
    expect(w.allocation.returnUnits).toHaveBeenCalledTimes(1);
    expect(await w.run.report(SHOP, w.sale.saleId)).toMatchObject({ closed: true, status: 'ended', unitsReturned: 1, closedAt: at(3601).toISOString() });
    expect(await w.run.getSale(SHOP, w.sale.saleId)).toMatchObject({ status: 'ended', closedAt: at(3601).toISOString() });
    // The SKU is free for the next sale.
    await expect(w.run.createSale(saleInput({ startsAt: at(4000).toISOString(), endsAt: at(8000).toISOString(), units: 1, perCustomerLimit: 1 }))).resolves.toMatchObject({ units: 1 });
  });

  it('closes a sale once when two jobs run at once', async () => {
    const w = await withSale();
    w.setNow(at(3601));
    const [first, second] = await Promise.all([w.run.closeEndedSales(), w.run.closeEndedSales()]);
    expect([...first!, ...second!].map((c) => c.saleId)).toEqual([w.sale.saleId]);
    expect(w.available()).toBe(100);
    expect(w.inGate(w.sale)).toBe(0);
  });
});

describe('getSale and report', () => {
  it('derives the status: upcoming, live, sold out, ended', async () => {
    const w = await withSale({ units: 1, perCustomerLimit: 1 }, { now: at(-10) });
    expect((await w.run.getSale(SHOP, w.sale.saleId)).status).toBe('upcoming');
    expect(w.state.counts).not.toHaveBeenCalled(); // no Redis read before the start
    w.setNow(at(1));
    expect((await w.run.getSale(SHOP, w.sale.saleId)).status).toBe('live');
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    expect((await w.run.getSale(SHOP, w.sale.saleId)).status).toBe('live'); // a hold is open
    w.commitHold(holdIdOf(w.sale.saleId, 1));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'alice', units: 1 });
    expect((await w.run.getSale(SHOP, w.sale.saleId)).status).toBe('sold_out');
    expect(await w.run.report(SHOP, w.sale.saleId)).toMatchObject({ status: 'sold_out', closed: false, orders: 1, unitsReturned: 0 });
    w.setNow(at(3600));
    expect((await w.run.getSale(SHOP, w.sale.saleId)).status).toBe('ended');
    await expect(w.run.getSale(SHOP, 'sale_missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('healSales', () => {
  it('logs a step it cannot heal and heals the rest, trying it again the next run', async () => {
    const w = await withSale({ units: 3, perCustomerLimit: 1 });
    for (const c of ['alice', 'bob', 'carol']) await w.run.enter(SHOP, w.sale.saleId, c, 1);
    // Nobody's message reaches a worker; DynamoDB refuses the recorder's write once, then one ticket's.
    w.reservations.reserveFromGate.mockRejectedValueOnce(new Error('throttled'));
    w.setNow(at(1 + 241));
    const [first] = await w.run.healSales();
    expect(first).toMatchObject({ redriven: 3, failures: 1 });
    expect(w.log).toHaveBeenCalledWith('flash-sale healing step failed', expect.objectContaining({ saleId: w.sale.saleId, step: 'record holds' }));
    expect((await w.run.ticket(SHOP, w.sale.saleId, 3, 'carol')).status).toBe('won');
    expect(w.holds.size).toBe(0);
    // Past the bound since those decisions: the recorder refused again, each hold is written alone; alice's refused too.
    w.reservations.reserveFromGate.mockRejectedValueOnce(new Error('throttled'));
    w.reservations.reserve.mockRejectedValueOnce(new Error('throttled'));
    w.setNow(at(1 + 241 + 241));
    expect((await w.run.healSales())[0]).toMatchObject({ holdsRecorded: 2, failures: 2 });
    expect(w.log).toHaveBeenCalledWith('flash-sale healing step failed', expect.objectContaining({ saleId: w.sale.saleId, step: 'record hold', ticket: 1 }));
    expect(w.holds.has(holdIdOf(w.sale.saleId, 1))).toBe(false);
    expect((await w.run.healSales())[0]).toMatchObject({ holdsRecorded: 1, failures: 0 });
    expect(w.holds.get(holdIdOf(w.sale.saleId, 1))).toMatchObject({ status: 'ACTIVE' });
  });
});

describe('recoverSales', () => {
  it('leaves a sale whose state survived alone', async () => {
    const w = await withSale();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.recoverSales()).toEqual([]);
    expect(w.state.open).toHaveBeenCalledTimes(1);
    expect(w.allocation.reconcile).not.toHaveBeenCalled();
    expect(await w.run.ticket(SHOP, w.sale.saleId, 1, 'alice')).toMatchObject({ status: 'queued' });
  });

  it('reopens a sale whose Redis state was lost and rebuilds its gate from the allocation, holds excluded', async () => {
    const w = await withSale({ units: 3, perCustomerLimit: 1 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 1)).toBe('won'); // a hold recorded in DynamoDB
    w.loseRedis();
    expect(await w.run.recoverSales()).toEqual([{ saleId: w.sale.saleId, restored: 2 }]);
    expect(w.state.open).toHaveBeenLastCalledWith({ ...w.sale, generation: 1 });
    expect(w.inGate(w.sale)).toBe(2);
    // A second run finds the state there again.
    expect(await w.run.recoverSales()).toEqual([]);
    // Closed sales are not recovered.
    w.setNow(at(3601));
    await w.run.closeEndedSales();
    w.loseRedis();
    expect(await w.run.recoverSales()).toEqual([]);
  });

  it('gives a ticket won after the recovery a hold of its own, not the hold of a lost ticket with the same number', async () => {
    const w = await withSale({ units: 3, perCustomerLimit: 1 });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 1)).toBe('won');
    const alicesHold = batches(w)[0]![0]!;
    w.loseRedis();
    await w.run.recoverSales();

    // Customers enter again after the loss; bob wins one of the two units left.
    const entry = await w.run.enter(SHOP, w.sale.saleId, 'bob', 1);
    expect(entry.status).toBe('queued');
    const bobsTicket = (entry as { ticket: number }).ticket;
    // The queue message carries the new generation; a message of the lost one decides nothing.
    expect(w.queue.send).toHaveBeenLastCalledWith(expect.objectContaining({ generation: 1 }), bobsTicket);
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, bobsTicket, 0)).toBe('lost');
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, bobsTicket, 1)).toBe('won');
    const bobsView = await w.run.ticket(SHOP, w.sale.saleId, bobsTicket, 'bob');
    expect(bobsView.holdId).not.toBe(alicesHold);
    // Bob's win is recorded as a hold that is his (checkout claims it by its reference).
    const bobsHold = w.holds.get(bobsView.holdId!);
    expect(parseHoldReference(bobsHold?.reference)).toMatchObject({ saleId: w.sale.saleId, customerId: 'bob' });
    expect(parseHoldReference(w.holds.get(alicesHold)?.reference)).toMatchObject({ customerId: 'alice' });
  });
});

describe('edge flags', () => {
  const flagsFake = () => ({ flag: vi.fn<EdgeFlags['flag']>(async () => {}) });

  it('flags a sale sold out only once no unit can come back: never while a hold is open, then when the last hold becomes an order', async () => {
    const edgeFlags = flagsFake();
    const w = await withSale({ units: 1, perCustomerLimit: 1, holdSeconds: 60 }, { edgeFlags });
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    // The gate is empty but alice's hold may still expire and give its unit back.
    expect(await w.run.getSale(SHOP, w.sale.saleId)).toMatchObject({ status: 'live' });
    await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId: holdIdOf(w.sale.saleId, 1) });
    await w.run.enter(SHOP, w.sale.saleId, 'bob', 1);
    await w.run.decideTicket(SHOP, w.sale.saleId, 2);
    expect(edgeFlags.flag).not.toHaveBeenCalled();

    w.commitHold(holdIdOf(w.sale.saleId, 2));
    await w.run.orderPlaced(SHOP, w.sale.saleId, { orderId: 'ord_1', customerId: 'bob', units: 1 });
    expect(edgeFlags.flag).toHaveBeenCalledTimes(1);
    expect(edgeFlags.flag).toHaveBeenCalledWith(SHOP, w.sale.saleId, {
      saleId: w.sale.saleId,
      sku: SKU,
      status: 'sold_out',
      units: 1,
      startsAt: w.sale.startsAt,
      endsAt: w.sale.endsAt,
      perCustomerLimit: 1,
      holdSeconds: 60,
    });
    // Once per process: reading the sale again writes nothing more.
    expect(await w.run.getSale(SHOP, w.sale.saleId)).toMatchObject({ status: 'sold_out' });
    expect(edgeFlags.flag).toHaveBeenCalledTimes(1);
  });

  it('closes the entries at the edge for a while when the state says the admission is full and this entry is the one to flag it', async () => {
    const edgeFlags = flagsFake();
    const w = await withSale({ units: 1, perCustomerLimit: 1, holdSeconds: 60 }, { edgeFlags });
    w.state.enter.mockResolvedValueOnce({ kind: 'sold_out', closeEntriesAtEdge: true });
    expect(await w.run.enter(SHOP, w.sale.saleId, 'late', 1)).toEqual({ status: 'sold_out' });
    expect(edgeFlags.flag).toHaveBeenCalledWith(SHOP, w.sale.saleId, expect.objectContaining({ status: 'live', entriesClosedUntil: at(1).getTime() + ENTRIES_CLOSED_VALID_MS }));
    // Any other sold-out answer writes nothing; a failed write is logged and the answer stands.
    w.state.enter.mockResolvedValueOnce({ kind: 'sold_out' });
    await w.run.enter(SHOP, w.sale.saleId, 'later', 1);
    expect(edgeFlags.flag).toHaveBeenCalledTimes(1);
    edgeFlags.flag.mockRejectedValueOnce(new Error('store unreachable'));
    w.state.enter.mockResolvedValueOnce({ kind: 'sold_out', closeEntriesAtEdge: true });
    expect(await w.run.enter(SHOP, w.sale.saleId, 'last', 1)).toEqual({ status: 'sold_out' });
    expect(w.log).toHaveBeenCalledWith('flash sale entries not closed at the edge', expect.objectContaining({ saleId: w.sale.saleId }));
  });

  it('flags a sale ended when the close job closes it', async () => {
    const edgeFlags = flagsFake();
    const w = await withSale({}, { edgeFlags });
    await w.run.closeEndedSales();
    expect(edgeFlags.flag).not.toHaveBeenCalled();
    w.setNow(at(3601));
    expect(await w.run.closeEndedSales()).toHaveLength(1);
    expect(edgeFlags.flag).toHaveBeenCalledWith(SHOP, w.sale.saleId, expect.objectContaining({ status: 'ended' }));
  });

  it('a flag that cannot be written breaks nothing: logged, the API answers, and it is written at the next chance', async () => {
    const edgeFlags = flagsFake();
    edgeFlags.flag.mockRejectedValueOnce(new Error('store unreachable'));
    const w = await withSale({}, { edgeFlags });
    w.setNow(at(3601));
    expect(await w.run.closeEndedSales()).toHaveLength(1);
    expect(w.log).toHaveBeenCalledWith('flash sale not flagged at the edge', expect.objectContaining({ saleId: w.sale.saleId, status: 'ended' }));
    expect(await w.run.getSale(SHOP, w.sale.saleId)).toMatchObject({ status: 'ended' });
    expect(edgeFlags.flag).toHaveBeenCalledTimes(2);
    await w.run.getSale(SHOP, w.sale.saleId);
    expect(edgeFlags.flag).toHaveBeenCalledTimes(2);
  });
});

describe('ticket streams and polls', () => {
  it('a burst of reads of a sale not in the cache reads its record once', async () => {
    const w = await withSale();
    w.setNow(at(10));
    w.sales.get.mockClear();
    await w.run.enter(SHOP, w.sale.saleId, 'alice', 1);
    w.setNow(at(20));
    w.sales.get.mockClear();
    const views = await Promise.all(Array.from({ length: 50 }, () => w.run.ticketView(SHOP, w.sale.saleId, 1, 'alice')));
    expect(views.every((v) => v.ticket === 1)).toBe(true);
    expect(w.sales.get).toHaveBeenCalledTimes(1);
  });

  it('a queued ticket shows pollAfterMs from its distance to a decision; a decided one none', async () => {
    const w = await withSale({ units: 3 });
    for (const customer of ['a', 'b', 'c', 'd']) await w.run.enter(SHOP, w.sale.saleId, customer, 1);
    expect(await w.run.ticketView(SHOP, w.sale.saleId, 1, 'a')).toMatchObject({ status: 'queued', pollAfterMs: 1_000 });
    expect(await w.run.ticketView(SHOP, w.sale.saleId, 4, 'd')).toMatchObject({ status: 'queued', pollAfterMs: 8_000 });
    await w.run.decideTicket(SHOP, w.sale.saleId, 1);
    const won = await w.run.ticketView(SHOP, w.sale.saleId, 1, 'a');
    expect(won.status).toBe('won');
    expect(won).not.toHaveProperty('pollAfterMs');
    expect(won).not.toHaveProperty('customerId');
  });

  it('announces each decision and each ended hold to the ticket’s streams; a failed announcement decides nothing less', async () => {
    const publish = vi.fn<NonNullable<RunSalesDeps['updates']>['publish']>(async () => undefined);
    const w = await withSale({ units: 1, perCustomerLimit: 1 }, { updates: { publish } });
    await w.run.enter(SHOP, w.sale.saleId, 'a', 1);
    await w.run.enter(SHOP, w.sale.saleId, 'b', 1);
    publish.mockRejectedValueOnce(new Error('Redis is down'));
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 1)).toBe('won');
    expect(await w.run.decideTicket(SHOP, w.sale.saleId, 2)).toBe('waiting');
    expect(publish.mock.calls.map(([, t]) => t)).toEqual([1]);
    const holdId = (await w.run.ticket(SHOP, w.sale.saleId, 1, 'a')).holdId!;
    await w.run.holdEnded(SHOP, w.sale.saleId, { ticket: 1, holdId });
    // The ended hold (ticket 1 expired) and the waiting ticket that won its unit (2).
    expect(publish.mock.calls.map(([, t]) => t)).toEqual([1, 1, 2]);
    expect(w.log).toHaveBeenCalledWith('flash-sale ticket change not announced', expect.objectContaining({ ticket: 1 }));
  });
});
