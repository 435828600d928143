import { UnavailableError } from '#shared/errors';
import { admissionBuffer, holdIdOf, isOver, type FlashSale, type SaleCounts, type Ticket, type TicketStatus } from '#shared/flash-sales/flash-sale';
import type { Decision, EntryOutcome, SaleState } from '#shared/flash-sales/flash-sale-ports';
import { withScripts, type RedisClient } from './client';
import { gateKey } from './inventory-gate';

/**
 * Flash-sale state in Redis. Every key carries the shop as hash tag, like the inventory
 * gate's, so a script that decides a ticket and takes its units runs on one slot:
 *   fs:{shop}:<sale>:cap      tickets admitted (units + buffer, raised by unused holds)
 *   fs:{shop}:<sale>:seq      the ticket counter (INCR)
 *   fs:{shop}:<sale>:cust     customer → ticket (one entry per customer)
 *   fs:{shop}:<sale>:t:<n>    a ticket: customer, quantity, status, hold
 *   fs:{shop}:<sale>:waiting  tickets waiting for a unit an open hold may return
 *   fs:{shop}:<sale>:held     units held by winners not checked out yet
 *   fs:{shop}:<sale>:decided  tickets decided (for the approximate queue position)
 *   fs:{shop}:<sale>:stats    entries, tickets, won, lost, expired, soldOut
 *   fs:{shop}:<sale>:orders   order ids placed on holds (a set: each counted once)
 *   fs:{shop}:<sale>:rl:<who> token buckets (per customer, and `*` for the whole sale)
 * Any Redis error is UnavailableError: entries fail closed, nothing is sold blind.
 */
const ENTER = `
-- KEYS: cap, seq, cust, stats, ticketPrefix, gate, held, generation ; ARGV: customer, quantity, nowIso
redis.call('HINCRBY', KEYS[4], 'entries', 1)
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {'existing', existing, redis.call('GET', KEYS[8]) or '0'} end
local cap = tonumber(redis.call('GET', KEYS[1]) or '0')
local soldOut = tonumber(redis.call('GET', KEYS[6]) or '0') <= 0 and tonumber(redis.call('GET', KEYS[7]) or '0') <= 0
if soldOut or tonumber(redis.call('GET', KEYS[2]) or '0') >= cap then
  redis.call('HINCRBY', KEYS[4], 'soldOut', 1)
  return {'sold_out'}
end
local t = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], ARGV[1], t)
redis.call('HSET', KEYS[5] .. t, 'customer', ARGV[1], 'quantity', ARGV[2], 'status', 'queued', 'at', ARGV[3])
redis.call('HINCRBY', KEYS[4], 'tickets', 1)
return {'queued', tostring(t), redis.call('GET', KEYS[8]) or '0'}
`;

const DECIDE = `
-- KEYS: ticket, gate, held, waiting, stats, decided ; ARGV: ticket, holdId, holdExpiresAt, over
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing'} end
if status ~= 'queued' and status ~= 'waiting' then return {status, 'old'} end
local function lose()
  redis.call('HSET', KEYS[1], 'status', 'lost')
  redis.call('LREM', KEYS[4], 0, ARGV[1])
  redis.call('HINCRBY', KEYS[5], 'lost', 1)
  redis.call('INCR', KEYS[6])
  return {'lost', 'new'}
end
if ARGV[4] == '1' then return lose() end
local q = tonumber(redis.call('HGET', KEYS[1], 'quantity'))
local have = tonumber(redis.call('GET', KEYS[2]) or '0')
if have >= q then
  redis.call('DECRBY', KEYS[2], q)
  redis.call('INCRBY', KEYS[3], q)
  redis.call('HSET', KEYS[1], 'status', 'won', 'holdId', ARGV[2], 'holdExpiresAt', ARGV[3])
  redis.call('LREM', KEYS[4], 0, ARGV[1])
  redis.call('HINCRBY', KEYS[5], 'won', 1)
  redis.call('INCR', KEYS[6])
  return {'won', 'new'}
end
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then
  -- An open hold may still return units: wait in line (once) rather than lose.
  if status == 'queued' then
    redis.call('HSET', KEYS[1], 'status', 'waiting')
    redis.call('RPUSH', KEYS[4], ARGV[1])
  end
  return {'waiting', 'new'}
end
return lose()
`;

const HOLD_ENDED = `
-- KEYS: ticket, gate, held, waiting, stats, cap ; ARGV: max tickets to wake
if redis.call('HGET', KEYS[1], 'status') ~= 'won' then return {0} end
local q = tonumber(redis.call('HGET', KEYS[1], 'quantity'))
redis.call('HSET', KEYS[1], 'status', 'expired')
redis.call('DECRBY', KEYS[3], q)
redis.call('INCRBY', KEYS[2], q)
redis.call('HINCRBY', KEYS[5], 'expired', 1)
-- The front of the line is decided next; a ticket leaves the line only once decided.
local next = redis.call('LRANGE', KEYS[4], 0, tonumber(ARGV[1]) - 1)
if #next == 0 then
  -- Nobody waits: admit new tickets for the returned units instead.
  redis.call('INCRBY', KEYS[6], q)
end
local out = {q}
for _, t in ipairs(next) do out[#out + 1] = t end
return out
`;

/** An order on a hold: counted once, its units no longer held; when that was the last hold of an empty gate, the waiting line is answered (to be told lost). */
const ORDER = `
-- KEYS: orders, held, gate, waiting ; ARGV: orderId, units
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('DECRBY', KEYS[2], tonumber(ARGV[2])) end
if tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 and tonumber(redis.call('GET', KEYS[3]) or '0') <= 0 then
  return redis.call('LRANGE', KEYS[4], 0, -1)
end
return {}
`;

/**
 * Two token buckets at once (the customer's, then the sale's): a token is taken from both
 * only when both have one, so a customer over its own rate does not spend the sale's.
 * ARGV: capacity and rate per second of each, now in ms. Answers 0 or the ms to wait.
 */
const BUCKETS = `
local now = tonumber(ARGV[5])
local tokens, waits = {}, {}
for i = 1, 2 do
  local capacity, rate = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local t = tonumber(state[1] or capacity)
  local at = tonumber(state[2] or now)
  t = math.min(capacity, t + (now - at) * rate / 1000)
  tokens[i] = t
  waits[i] = t >= 1 and 0 or math.ceil((1 - t) * 1000 / rate)
end
local wait = math.max(waits[1], waits[2])
for i = 1, 2 do
  local capacity, rate = tonumber(ARGV[i * 2 - 1]), tonumber(ARGV[i * 2])
  local t = tokens[i]
  if wait == 0 then t = t - 1 end
  redis.call('HSET', KEYS[i], 'tokens', t, 'at', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate * 1000) + 1000)
end
return wait
`;

type SaleCommands = {
  saleEnter(...args: Array<string | number>): Promise<string[]>;
  saleDecide(...args: Array<string | number>): Promise<string[]>;
  saleHoldEnded(...args: Array<string | number>): Promise<Array<number | string>>;
  saleBuckets(own: string, all: string, ownCapacity: number, ownRate: number, allCapacity: number, allRate: number, now: number): Promise<number>;
  saleOrder(orders: string, held: string, gate: string, waiting: string, orderId: string, units: number): Promise<string[]>;
};

export interface RateLimits {
  /** Entries a customer may send in a burst, and refilled per second. @default 5, 1 */
  readonly customerBurst?: number;
  readonly customerPerSecond?: number;
  /** Entries the whole sale takes per second (beyond it: 429). @default 50000 */
  readonly salePerSecond?: number;
}

export function redisSaleState(redis: () => Promise<RedisClient>, limits: RateLimits = {}): SaleState {
  const client = withScripts<SaleCommands>(redis, {
    saleEnter: { numberOfKeys: 8, lua: ENTER },
    saleDecide: { numberOfKeys: 6, lua: DECIDE },
    saleHoldEnded: { numberOfKeys: 6, lua: HOLD_ENDED },
    saleBuckets: { numberOfKeys: 2, lua: BUCKETS },
    saleOrder: { numberOfKeys: 4, lua: ORDER },
  });

  async function guarded<T>(run: (r: RedisClient & SaleCommands) => Promise<T>): Promise<T> {
    try {
      return await run(await client());
    } catch (error) {
      // Redis's own message (hosts, ports) is for the log, not the public answer.
      throw Object.assign(new UnavailableError('The flash-sale state cannot be reached; nothing was sold. Retry shortly.', 2), { cause: error });
    }
  }

  const k = (sale: FlashSale, name: string) => `fs:{${sale.shopId}}:${sale.saleId}:${name}`;
  const ticketKey = (sale: FlashSale, ticket: number | string) => `${k(sale, 't:')}${ticket}`;

  function toTicket(ticket: number, fields: Record<string, string>, decided: number): Ticket | undefined {
    if (!fields.status) return undefined;
    const status: TicketStatus = fields.status === 'waiting' ? 'queued' : (fields.status as TicketStatus);
    return {
      ticket,
      customerId: fields.customer!,
      quantity: Number(fields.quantity),
      status,
      ...(status === 'queued' ? { position: Math.max(0, ticket - decided - 1) } : {}),
      ...(fields.holdId ? { holdId: fields.holdId, holdExpiresAt: fields.holdExpiresAt! } : {}),
    };
  }

  async function readTicket(r: RedisClient, sale: FlashSale, ticket: number): Promise<Ticket | undefined> {
    const [fields, decided] = await Promise.all([r.hgetall(ticketKey(sale, ticket)), r.get(k(sale, 'decided'))]);
    return toTicket(ticket, fields, Number(decided ?? 0));
  }

  return {
    async open(sale) {
      await guarded(async (r) => {
        // SET NX: opening twice (a retried create) never resets a running sale. The generation
        // (of a state rebuilt after a loss) is what new tickets are queued under.
        await r.set(k(sale, 'generation'), sale.generation ?? 0);
        await r.set(k(sale, 'cap'), sale.units + admissionBuffer(sale.units), 'NX');
      });
    },

    isOpen: (sale) => guarded(async (r) => (await r.exists(k(sale, 'cap'))) === 1),

    async enter(sale, customerId, quantity, now): Promise<EntryOutcome> {
      return guarded(async (r) => {
        const answer = await r.saleEnter(k(sale, 'cap'), k(sale, 'seq'), k(sale, 'cust'), k(sale, 'stats'), k(sale, 't:'), gateKey(sale.shopId, sale.sku), k(sale, 'held'), k(sale, 'generation'), customerId, quantity, now.toISOString());
        if (answer[0] === 'sold_out') return { kind: 'sold_out' };
        const ticket = Number(answer[1]);
        const generation = Number(answer[2] ?? 0);
        const issued = generation > 0 ? { generation } : {};
        if (answer[0] === 'queued') return { kind: 'queued', ticket, fresh: true, ...issued };
        const existing = await readTicket(r, sale, ticket);
        if (!existing || existing.status === 'queued') return { kind: 'queued', ticket, fresh: false, ...issued };
        return { kind: 'decided', ticket: existing };
      });
    },

    async decide(sale, ticket, now): Promise<Decision> {
      return guarded(async (r) => {
        const holdExpiresAt = new Date(now.getTime() + sale.holdSeconds * 1000).toISOString();
        const over = isOver(sale, now) ? '1' : '0';
        const [status, age] = await r.saleDecide(ticketKey(sale, ticket), gateKey(sale.shopId, sale.sku), k(sale, 'held'), k(sale, 'waiting'), k(sale, 'stats'), k(sale, 'decided'), ticket, holdIdOf(sale.saleId, ticket, sale.generation), holdExpiresAt, over);
        if (status === 'won') {
          const decided = (await readTicket(r, sale, ticket))!;
          return { kind: 'won', ticket: decided as Ticket & { holdId: string; holdExpiresAt: string }, fresh: age === 'new' };
        }
        if (status === 'waiting') return { kind: 'waiting' };
        if (status === 'expired') return { kind: 'expired' };
        return { kind: 'lost' }; // lost, or a ticket that does not exist
      });
    },

    ticket: (sale, ticket) => guarded((r) => readTicket(r, sale, ticket)),

    async holdEnded(sale, ticket) {
      return guarded(async (r) => {
        const [returned, ...next] = await r.saleHoldEnded(ticketKey(sale, ticket), gateKey(sale.shopId, sale.sku), k(sale, 'held'), k(sale, 'waiting'), k(sale, 'stats'), k(sale, 'cap'), 50);
        return { returned: Number(returned), next: next.map(Number) };
      });
    },

    async orderPlaced(sale, orderId, units) {
      return guarded(async (r) => (await r.saleOrder(k(sale, 'orders'), k(sale, 'held'), gateKey(sale.shopId, sale.sku), k(sale, 'waiting'), orderId, units)).map(Number));
    },

    async counts(sale): Promise<SaleCounts> {
      return guarded(async (r) => {
        const [stats, inGate, held, orders, waiting] = await Promise.all([r.hgetall(k(sale, 'stats')), r.get(gateKey(sale.shopId, sale.sku)), r.get(k(sale, 'held')), r.scard(k(sale, 'orders')), r.llen(k(sale, 'waiting'))]);
        const n = (v: string | undefined | null) => Number(v ?? 0);
        return {
          inGate: n(inGate),
          held: n(held),
          entries: n(stats.entries),
          tickets: n(stats.tickets),
          won: n(stats.won),
          lost: n(stats.lost),
          expired: n(stats.expired),
          orders,
          soldOutAnswers: n(stats.soldOut),
          waiting,
        };
      });
    },

    waiting: (sale) => guarded(async (r) => (await r.lrange(k(sale, 'waiting'), 0, -1)).map(Number)),

    async admit(sale, customerId, now) {
      return guarded(async (r) => {
        const perSecond = limits.salePerSecond ?? 50_000;
        const wait = Number(await r.saleBuckets(k(sale, `rl:${customerId}`), k(sale, 'rl:*'), limits.customerBurst ?? 5, limits.customerPerSecond ?? 1, perSecond, perSecond, now.getTime()));
        return wait > 0 ? { ok: false, retryAfterMs: wait } : { ok: true };
      });
    },
  };
}
