import { UnavailableError } from '#shared/errors';
import { randomUUID } from 'node:crypto';
import {
  admissionBuffer,
  ENTRIES_CLOSED_REFRESH_MS,
  gateShardsOf,
  holdIdPrefixOf,
  isOver,
  isSharded,
  type FlashSale,
  type SaleCounts,
  type Ticket,
  type TicketStatus,
} from '#shared/flash-sales/flash-sale';
import type { BatchDecision, Decision, EntryOutcome, GiveBack, SaleState, SaleSubGates } from '#shared/flash-sales/flash-sale-ports';
import { crashPoint } from '#shared/platform/crash-points';
import { withScripts, type RedisClient } from './client';
import { gateKey } from './inventory-gate';
import { redisShardedGate, type ShardedSale, type TakeAnswer } from './sharded-gate';

/**
 * Flash-sale state in Redis. Every key of a sale carries the shop as hash tag, like the
 * inventory gate's, so a script that decides tickets and takes their units runs on one slot
 * (only the customers' token buckets are tagged by customer, to spread over the cluster):
 *   fs:{shop}:<sale>:cap         tickets admitted (units + buffer, raised by unused holds)
 *   fs:{shop}:<sale>:seq         the ticket counter (INCR)
 *   fs:{shop}:<sale>:generation  the generation of this state (bumped when rebuilt after a loss)
 *   fs:{shop}:<sale>:cust        customer → ticket (one entry per customer)
 *   fs:{shop}:<sale>:t:<n>       a ticket: customer, quantity, status, hold, `ordered`
 *   fs:{shop}:<sale>:waiting     tickets waiting for a unit an open hold may return
 *   fs:{shop}:<sale>:held        units held by winners not checked out yet
 *   fs:{shop}:<sale>:decided     tickets decided (for the approximate queue position)
 *   fs:{shop}:<sale>:stats       entries, tickets, won, lost, expired, soldOut, unitsSold,
 *                                unitsReturned, redriven, repaired
 *   fs:{shop}:<sale>:orders      order ids placed on holds (a set: each counted once)
 *   fs:{shop}:<sale>:rl:*        the whole sale's token bucket
 *   fs:{shop}:<sale>:recorder    the hold recorder's turn (one at a time per sale; expires if its holder dies)
 *   fsrl:{shop:customer}:<sale>  a customer's token bucket: tagged by customer, so the buckets spread over the cluster
 *   fs:{shop}:<sale>:edge-closed set (with an expiry) by the entry that was told to flag the full admission at the edge
 * and what the minute job heals from (sorted sets, so it reads only what is overdue):
 *   fs:{shop}:<sale>:queued      queued tickets by entry time (ms)
 *   fs:{shop}:<sale>:line        the same tickets by number: the line that decisions take ahead from, in order
 *   fs:{shop}:<sale>:unrecorded  won tickets whose hold is not known to be in DynamoDB, by decision time
 *   fs:{shop}:<sale>:open        won tickets whose hold is open (not ordered, not ended), by hold expiry
 *   fs:{shop}:<sale>:foreign     holds of earlier generations whose units came back (each once)
 *   fs:{shop}:<sale>:drift       the gate discrepancy the last run saw (repaired when the next agrees)
 * A sale on N sub-gates (gateShards > 1) keeps all of the above on the shop's slot but its
 * units in the sub-gates of sharded-gate.ts (`fsg:{shop:sale:i}:*`, one slot each, the sale id
 * suffixed `.g<n>` in a rebuilt generation): a decision is three steps, each one script on one
 * slot (SHARD_PREPARE, the walk's takes, SHARD_SETTLE), crash-safe by the walk's take id; a
 * unit going back to a sub-gate is written to the sale's outbox in the step that frees it:
 *   fs:{shop}:<sale>:taking      tickets on a walk over the sub-gates, by its start (resumed if cut short)
 *   fs:{shop}:<sale>:giveback    the outbox: take id → its sub-gate (or '*'), `restore:<id>` → units
 *   fs:{shop}:<sale>:once        ids of report counts added once
 *   fs:{shop}:<sale>:in-subgates 1 until the sale is sold out for good (what the entry script reads instead of the gate)
 * Every transition checks the state's generation and, for a hold, that the ticket holds
 * exactly that hold; no count goes below zero.
 * Any Redis error is UnavailableError: entries fail closed, nothing is sold blind.
 */
const ENTER = `
-- KEYS: cap, seq, cust, stats, ticketPrefix, gate, held, generation, queued, edgeClosed, line ; ARGV: customer, quantity, nowIso, nowMs, edgeRefreshMs
redis.call('HINCRBY', KEYS[4], 'entries', 1)
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {'existing', existing, redis.call('GET', KEYS[8]) or '0'} end
local cap = tonumber(redis.call('GET', KEYS[1]) or '0')
local soldOut = tonumber(redis.call('GET', KEYS[6]) or '0') <= 0 and tonumber(redis.call('GET', KEYS[7]) or '0') <= 0
if soldOut then
  redis.call('HINCRBY', KEYS[4], 'soldOut', 1)
  return {'sold_out'}
end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= cap then
  redis.call('HINCRBY', KEYS[4], 'soldOut', 1)
  -- Admission is full: one caller per refresh period (fleet-wide) re-flags the entries closed at the edge.
  if redis.call('SET', KEYS[10], '1', 'NX', 'PX', ARGV[5]) then return {'sold_out', 'full', 'refresh'} end
  return {'sold_out', 'full'}
end
local t = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], ARGV[1], t)
redis.call('HSET', KEYS[5] .. t, 'customer', ARGV[1], 'quantity', ARGV[2], 'status', 'queued', 'at', ARGV[3])
redis.call('ZADD', KEYS[9], ARGV[4], t)
redis.call('ZADD', KEYS[11], t, t)
redis.call('HINCRBY', KEYS[4], 'tickets', 1)
return {'queued', tostring(t), redis.call('GET', KEYS[8]) or '0'}
`;

/** Units held never go below zero: a repair recounts them from the open holds. */
const RELEASE_HELD = `
local function releaseHeld(key, q)
  local held = tonumber(redis.call('GET', key) or '0')
  redis.call('SET', key, math.max(0, held - q))
end
`;

/**
 * Decides tickets in one call: the tickets asked for (a worker's batch), then up to `ahead`
 * of the oldest queued tickets in line order, so a backlog drains at Redis speed whatever
 * the queue delivers. A winner's hold (id from the ticket, expiry) is decided and recorded
 * here, in the same step; the hold recorder writes it to DynamoDB off this path.
 */
const DECIDE_BATCH = `
-- KEYS: gate, held, waiting, stats, decided, queued, unrecorded, open, generation, ticket key prefix, line
-- ARGV: generation, over, nowMs, holdExpiresAt, holdExpiresMs, holdIdPrefix, ahead, tickets...
-- Answers one status per ticket asked for (then whether it was decided now: 'new' or 'old'), then the count decided ahead.
if (redis.call('GET', KEYS[9]) or '0') ~= ARGV[1] then return {'stale'} end
local over = ARGV[2] == '1'
local function lose(key, t)
  redis.call('HSET', key, 'status', 'lost')
  redis.call('LREM', KEYS[3], 0, t)
  redis.call('ZREM', KEYS[6], t)
  redis.call('ZREM', KEYS[11], t)
  redis.call('HINCRBY', KEYS[4], 'lost', 1)
  redis.call('INCR', KEYS[5])
  return 'lost'
end
local function decide(t)
  local key = KEYS[10] .. t
  local fields = redis.call('HMGET', key, 'status', 'quantity')
  local status = fields[1]
  if not status then return 'missing', 'old' end
  if status ~= 'queued' and status ~= 'waiting' then return status, 'old' end
  if over then return lose(key, t), 'new' end
  local q = tonumber(fields[2])
  if tonumber(redis.call('GET', KEYS[1]) or '0') >= q then
    redis.call('DECRBY', KEYS[1], q)
    redis.call('INCRBY', KEYS[2], q)
    redis.call('HSET', key, 'status', 'won', 'holdId', ARGV[6] .. t, 'holdExpiresAt', ARGV[4])
    if status == 'waiting' then redis.call('LREM', KEYS[3], 0, t) end
    redis.call('ZREM', KEYS[6], t)
    redis.call('ZREM', KEYS[11], t)
    redis.call('ZADD', KEYS[7], ARGV[3], t)
    redis.call('ZADD', KEYS[8], ARGV[5], t)
    redis.call('HINCRBY', KEYS[4], 'won', 1)
    redis.call('INCR', KEYS[5])
    return 'won', 'new'
  end
  if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
    -- An open hold may still return units: wait in line (once) rather than lose.
    if status == 'queued' then
      redis.call('HSET', key, 'status', 'waiting')
      redis.call('RPUSH', KEYS[3], t)
      redis.call('ZREM', KEYS[6], t)
      redis.call('ZREM', KEYS[11], t)
    end
    return 'waiting', 'new'
  end
  return lose(key, t), 'new'
end
local out = {}
for i = 8, #ARGV do
  local status, age = decide(ARGV[i])
  out[#out + 1] = status
  out[#out + 1] = age
end
local ahead = 0
local limit = tonumber(ARGV[7])
if limit > 0 then
  for _, t in ipairs(redis.call('ZRANGE', KEYS[11], 0, limit - 1)) do
    local _, age = decide(t)
    if age == 'new' then ahead = ahead + 1 end
  end
end
out[#out + 1] = tostring(ahead)
return out
`;

/**
 * A sharded sale's decision, first step (the sale's slot): each ticket to decide starts its
 * walk over the sub-gates: marked `taking` under a take id (its hold id, then `.<attempt>`
 * for each time it waited), out of the line and the waiting list, listed in `taking` (so a
 * walk a crash cut short is resumed with the same id). A ticket already `taking` answers its
 * take id again. Once the sale is over, a ticket loses here; a `taking` one also has its take
 * put in the outbox (KEYS[9]), which releases it from every sub-gate.
 */
const SHARD_PREPARE = `
-- KEYS: generation, stats, decided, queued, line, waiting, ticket key prefix, taking, outbox
-- ARGV: generation, over, nowMs, holdIdPrefix, ahead, tickets...
-- Answers four fields per ticket asked for: 'take', takeId, customer, quantity; or status, 'new'/'old', '', ''.
-- Then five per ticket taken ahead from the line: the ticket and its four.
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return {'stale'} end
local over = ARGV[2] == '1'
local function lose(key, t)
  redis.call('HSET', key, 'status', 'lost')
  redis.call('LREM', KEYS[6], 0, t)
  redis.call('ZREM', KEYS[4], t)
  redis.call('ZREM', KEYS[5], t)
  redis.call('ZREM', KEYS[8], t)
  redis.call('HINCRBY', KEYS[2], 'lost', 1)
  redis.call('INCR', KEYS[3])
  return {'lost', 'new', '', ''}
end
local function prepare(t)
  local key = KEYS[7] .. t
  local f = redis.call('HMGET', key, 'status', 'quantity', 'customer', 'take', 'attempt')
  local status = f[1]
  if not status then return {'missing', 'old', '', ''} end
  if status == 'taking' then
    if over then
      redis.call('HSET', KEYS[9], f[4], '*')
      return lose(key, t)
    end
    return {'take', f[4], f[3], f[2]}
  end
  if status ~= 'queued' and status ~= 'waiting' then return {status, 'old', '', ''} end
  if over then return lose(key, t) end
  local attempt = tonumber(f[5] or '0')
  local take = ARGV[4] .. t
  if attempt > 0 then take = take .. '.' .. attempt end
  redis.call('HSET', key, 'status', 'taking', 'take', take)
  if status == 'waiting' then redis.call('LREM', KEYS[6], 0, t) end
  redis.call('ZREM', KEYS[5], t)
  redis.call('ZADD', KEYS[8], ARGV[3], t)
  return {'take', take, f[3], f[2]}
end
local out = {}
for i = 6, #ARGV do
  for _, v in ipairs(prepare(ARGV[i])) do out[#out + 1] = v end
end
local limit = tonumber(ARGV[5])
if limit > 0 then
  for _, t in ipairs(redis.call('ZRANGE', KEYS[5], 0, limit - 1)) do
    out[#out + 1] = t
    for _, v in ipairs(prepare(t)) do out[#out + 1] = v end
  end
end
return out
`;

/**
 * A sharded sale's decision, last step (the sale's slot): each walk's answer is recorded, once,
 * if the ticket is still on that walk: taken from sub-gate i, the ticket wins and its hold is
 * decided and kept here (as the one-gate decision does), its sub-gate noted for the give-back;
 * no sub-gate had the units while holds are open, it waits (its next walk a new take id); else
 * it loses. A ticket no longer on that walk (settled by a copy of it, lost at the end) answers
 * its status: its units, if any, are the outbox's.
 */
const SHARD_SETTLE = `
-- KEYS: generation, stats, decided, queued, unrecorded, open, held, waiting, taking, ticket key prefix
-- ARGV: generation, nowMs, holdExpiresAt, holdExpiresMs, holdIdPrefix, then per ticket: ticket, takeId, answer ('taken:<i>', 'sold_out', 'closed', 'given_back')
-- Answers a status and 'new'/'old' per ticket.
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return {'stale'} end
local out = {}
for i = 6, #ARGV, 3 do
  local t, take, answer = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = KEYS[10] .. t
  local f = redis.call('HMGET', key, 'status', 'take', 'quantity', 'attempt')
  if f[1] ~= 'taking' or f[2] ~= take then
    local status = f[1] or 'missing'
    if status == 'taking' then status = 'waiting' end
    out[#out + 1] = status
    out[#out + 1] = 'old'
  else
    local q = tonumber(f[3])
    redis.call('ZREM', KEYS[9], t)
    redis.call('ZREM', KEYS[4], t)
    if string.sub(answer, 1, 6) == 'taken:' then
      redis.call('INCRBY', KEYS[7], q)
      redis.call('HSET', key, 'status', 'won', 'holdId', ARGV[5] .. t, 'holdExpiresAt', ARGV[3], 'shard', string.sub(answer, 7))
      redis.call('ZADD', KEYS[5], ARGV[2], t)
      redis.call('ZADD', KEYS[6], ARGV[4], t)
      redis.call('HINCRBY', KEYS[2], 'won', 1)
      redis.call('INCR', KEYS[3])
      out[#out + 1] = 'won'
    elseif answer == 'sold_out' and tonumber(redis.call('GET', KEYS[7]) or '0') > 0 then
      -- An open hold may still return units: wait in line, the next walk under a new take id.
      redis.call('HSET', key, 'status', 'waiting', 'attempt', tonumber(f[4] or '0') + 1)
      redis.call('RPUSH', KEYS[8], t)
      out[#out + 1] = 'waiting'
    else
      redis.call('HSET', key, 'status', 'lost')
      redis.call('HINCRBY', KEYS[2], 'lost', 1)
      redis.call('INCR', KEYS[3])
      out[#out + 1] = 'lost'
    end
    out[#out + 1] = 'new'
  end
end
return out
`;

/** Adds to a report counter once per id. */
const COUNT_ONCE = `
-- KEYS: once, stats ; ARGV: id, field, n
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[2], ARGV[3]) end
return 0
`;

/** The hold recorder's turn for a sale: one at a time, passing by itself after its TTL when its holder died. */
const RECORDER_TURN = `
-- KEYS: turn ; ARGV: token, ttlMs, 'take' or 'end'
if ARGV[3] == 'take' then
  if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
  return 0
end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`;

/** Won tickets whose hold is not known to be in DynamoDB, oldest decision first, with what recording them needs. */
const UNRECORDED = `
-- KEYS: unrecorded, ticket key prefix ; ARGV: limit
local out = {}
for _, t in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)) do
  local f = redis.call('HMGET', KEYS[2] .. t, 'status', 'holdId', 'holdExpiresAt', 'quantity', 'customer')
  out[#out + 1] = {t, f[1] or '', f[2] or '', f[3] or '', f[4] or '0', f[5] or ''}
end
return out
`;

const HOLD_ENDED = `${RELEASE_HELD}
-- KEYS: ticket, gate (a sharded sale's outbox), held, waiting, stats, cap, open, unrecorded, generation ; ARGV: max tickets to wake, ticket, holdId, generation
-- Only the hold the ticket holds, of this generation, not turned into an order, ends, and once.
if (redis.call('GET', KEYS[9]) or '0') ~= ARGV[4] then return {0} end
local fields = redis.call('HMGET', KEYS[1], 'status', 'holdId', 'ordered', 'quantity', 'take', 'shard')
if fields[1] ~= 'won' or fields[2] ~= ARGV[3] or fields[3] then return {0} end
local q = tonumber(fields[4])
redis.call('HSET', KEYS[1], 'status', 'expired')
releaseHeld(KEYS[3], q)
redis.call('ZREM', KEYS[7], ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[2])
if fields[6] then
  -- A sharded sale's win: its units go back to its sub-gate through the outbox (KEYS[2]), in the same step.
  redis.call('HSET', KEYS[2], fields[5], fields[6])
else
  redis.call('INCRBY', KEYS[2], q)
end
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

/** A hold of an earlier generation ended: its units (kept out of the rebuilt gate) come back, once per hold. */
const FOREIGN_HOLD_ENDED = `
-- KEYS: foreign, gate (a sharded sale's outbox), waiting, cap ; ARGV: holdId, units, max tickets to wake, '1' when sharded
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return {0} end
local q = tonumber(ARGV[2])
if ARGV[4] == '1' then redis.call('HSET', KEYS[2], 'restore:' .. ARGV[1], q) else redis.call('INCRBY', KEYS[2], q) end
local next = redis.call('LRANGE', KEYS[3], 0, tonumber(ARGV[3]) - 1)
if #next == 0 then redis.call('INCRBY', KEYS[4], q) end
local out = {q}
for _, t in ipairs(next) do out[#out + 1] = t end
return out
`;

/**
 * An order on a hold: counted once, its units no longer held, once per ticket (and only
 * for the ticket's own hold of this generation); an order on a hold of an earlier
 * generation is only counted. When that was the last hold of an empty gate, the waiting
 * line is answered (to be told lost).
 */
const ORDER = `${RELEASE_HELD}
-- KEYS: orders, held, gate, waiting, stats, ticket, open, unrecorded, generation ; ARGV: orderId, units, ticket ('' if none), holdId, generation
local ours = ARGV[3] ~= '' and (redis.call('GET', KEYS[9]) or '0') == ARGV[5]
if ours then
  local fields = redis.call('HMGET', KEYS[6], 'status', 'holdId', 'ordered', 'quantity')
  if fields[1] == 'won' and fields[2] == ARGV[4] and not fields[3] then
    local q = tonumber(fields[4])
    redis.call('HSET', KEYS[6], 'ordered', ARGV[1])
    releaseHeld(KEYS[2], q)
    redis.call('ZREM', KEYS[7], ARGV[3])
    redis.call('ZREM', KEYS[8], ARGV[3])
    if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[5], 'unitsSold', q) end
  end
elseif redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[5], 'unitsSold', tonumber(ARGV[2]))
end
if tonumber(redis.call('GET', KEYS[2]) or '0') <= 0 and tonumber(redis.call('GET', KEYS[3]) or '0') <= 0 then
  return redis.call('LRANGE', KEYS[4], 0, -1)
end
return {}
`;

/** The units held, recounted from the open holds; answers {before, after}. */
const RECOUNT_HELD = `
-- KEYS: held, open, ticket key prefix (a key, so the client's key prefix applies to it)
local total = 0
for _, t in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  total = total + tonumber(redis.call('HGET', KEYS[3] .. t, 'quantity') or '0')
end
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], total)
return {before, total}
`;

/** The gate and the units of unrecorded wins at one instant. */
const GATE_SNAPSHOT = `
-- KEYS: gate, unrecorded, ticket key prefix
local outstanding = 0
for _, t in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  outstanding = outstanding + tonumber(redis.call('HGET', KEYS[3] .. t, 'quantity') or '0')
end
return {tonumber(redis.call('GET', KEYS[1]) or '0'), outstanding}
`;

/** Whether this run's gate discrepancy is the one the last run saw (then it is no in-flight step). */
const AGREE = `
-- KEYS: drift ; ARGV: discrepancy
local previous = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[1])
  return 0
end
if previous == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], ARGV[1])
return 0
`;

/**
 * One token bucket: takes a token when there is one, else answers the ms to wait. With
 * ARGV[4] = 'refund', gives a token back (the sale's bucket refused the entry this one let
 * through, so a customer is not charged for an entry the sale did not take).
 * ARGV: capacity, rate per second, now in ms, 'take' or 'refund'.
 */
const BUCKET = `
local capacity, rate, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local t = tonumber(state[1] or capacity)
local at = tonumber(state[2] or now)
t = math.min(capacity, t + (now - at) * rate / 1000)
local wait = 0
if ARGV[4] == 'refund' then
  t = math.min(capacity, t + 1)
elseif t >= 1 then
  t = t - 1
else
  wait = math.ceil((1 - t) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', t, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait
`;

type Script = (...args: Array<string | number>) => Promise<Array<number | string>>;
type SaleCommands = {
  saleEnter(...args: Array<string | number>): Promise<string[]>;
  saleDecideBatch(...args: Array<string | number>): Promise<string[]>;
  saleRecorderTurn(turn: string, token: string, ttlMs: number, step: 'take' | 'end'): Promise<number>;
  saleUnrecorded(unrecorded: string, ticketPrefix: string, limit: number): Promise<string[][]>;
  saleHoldEnded: Script;
  saleForeignHoldEnded: Script;
  saleBucket(key: string, capacity: number, rate: number, now: number, step: 'take' | 'refund'): Promise<number>;
  saleOrder: Script;
  saleRecountHeld(held: string, open: string, ticketPrefix: string): Promise<number[]>;
  saleAgree(drift: string, discrepancy: number): Promise<number>;
  saleGateSnapshot(gate: string, unrecorded: string, ticketPrefix: string): Promise<number[]>;
  saleShardPrepare(...args: Array<string | number>): Promise<string[]>;
  saleShardSettle(...args: Array<string | number>): Promise<string[]>;
  saleCountOnce(once: string, stats: string, id: string, field: string, n: number): Promise<number>;
};

const saleKey = (sale: FlashSale, name: string) => `fs:{${sale.shopId}}:${sale.saleId}:${name}`;
/** The sub-gates of a sale: a rebuilt generation's are new keys (its units restored from DynamoDB). */
export const shardedSaleOf = (sale: FlashSale): ShardedSale => ({
  shopId: sale.shopId,
  saleId: (sale.generation ?? 0) > 0 ? `${sale.saleId}.g${sale.generation}` : sale.saleId,
  shards: gateShardsOf(sale),
});
/** A key of the sale's slot no script writes: a sharded sale's stand-in for the one gate, always 0. */
const NO_GATE = 'no-gate';
/** A walk's answer as SHARD_SETTLE reads it. */
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const walkAnswer = (answer: TakeAnswer) => (answer.kind === 'taken' ? `taken:${answer.shard}` : answer.kind);

export interface RateLimits {
  /** Entries a customer may send in a burst, and refilled per second. @default 5, 1 */
  readonly customerBurst?: number;
  readonly customerPerSecond?: number;
  /** Entries the whole sale takes per second (beyond it: 429). @default 50000 */
  readonly salePerSecond?: number;
}

export function redisSaleState(redis: () => Promise<RedisClient>, limits: RateLimits = {}): SaleState {
  const client = withScripts<SaleCommands>(redis, {
    saleEnter: { numberOfKeys: 11, lua: ENTER },
    saleDecideBatch: { numberOfKeys: 11, lua: DECIDE_BATCH },
    saleRecorderTurn: { numberOfKeys: 1, lua: RECORDER_TURN },
    saleUnrecorded: { numberOfKeys: 2, lua: UNRECORDED },
    saleHoldEnded: { numberOfKeys: 9, lua: HOLD_ENDED },
    saleForeignHoldEnded: { numberOfKeys: 4, lua: FOREIGN_HOLD_ENDED },
    saleBucket: { numberOfKeys: 1, lua: BUCKET },
    saleOrder: { numberOfKeys: 9, lua: ORDER },
    saleRecountHeld: { numberOfKeys: 3, lua: RECOUNT_HELD },
    saleAgree: { numberOfKeys: 1, lua: AGREE },
    saleGateSnapshot: { numberOfKeys: 3, lua: GATE_SNAPSHOT },
    saleShardPrepare: { numberOfKeys: 9, lua: SHARD_PREPARE },
    saleShardSettle: { numberOfKeys: 10, lua: SHARD_SETTLE },
    saleCountOnce: { numberOfKeys: 2, lua: COUNT_ONCE },
  });

  async function guarded<T>(run: (r: RedisClient & SaleCommands) => Promise<T>): Promise<T> {
    try {
      return await run(await client());
    } catch (error) {
      // Redis's own message (hosts, ports) is for the log, not the public answer.
      throw Object.assign(new UnavailableError('The flash-sale state cannot be reached; nothing was sold. Retry shortly.', 2), { cause: error });
    }
  }

  const k = saleKey;
  const subGates = redisShardedGate(redis);
  /** The one gate's key, or for a sharded sale the key a script of the sale's slot reads instead (`alt`). */
  const gateOr = (sale: FlashSale, alt: string) => (isSharded(sale) ? k(sale, alt) : gateKey(sale.shopId, sale.sku));
  /** A customer's token bucket, hash-tagged by shop and customer so the buckets spread over the cluster, off the sale's slot. */
  const customerBucketKey = (sale: FlashSale, customerId: string) => `fsrl:{${sale.shopId}:${customerId}}:${sale.saleId}`;
  const ticketKey = (sale: FlashSale, ticket: number | string) => `${k(sale, 't:')}${ticket}`;
  const generationOf = (sale: FlashSale) => String(sale.generation ?? 0);
  /** Tickets of a sorted set scored at most `before`, oldest first. */
  const dueIn = async (r: RedisClient, key: string, before: Date, limit: number) => (await r.zrangebyscore(key, '-inf', before.getTime(), 'LIMIT', 0, limit)).map(Number);

  function toTicket(ticket: number, fields: Record<string, string>, decided: number, unrecorded: boolean): Ticket | undefined {
    if (!fields.status) return undefined;
    const status: TicketStatus = fields.status === 'waiting' || fields.status === 'taking' ? 'queued' : (fields.status as TicketStatus);
    return {
      ticket,
      customerId: fields.customer!,
      quantity: Number(fields.quantity),
      status,
      ...(status === 'queued' ? { position: Math.max(0, ticket - decided - 1) } : {}),
      ...(fields.holdId ? { holdId: fields.holdId, holdExpiresAt: fields.holdExpiresAt! } : {}),
      ...(status === 'won' && unrecorded ? { holdUnrecorded: true } : {}),
    };
  }

  async function readTicket(r: RedisClient, sale: FlashSale, ticket: number): Promise<Ticket | undefined> {
    const [fields, decided, unrecorded] = await Promise.all([r.hgetall(ticketKey(sale, ticket)), r.get(k(sale, 'decided')), r.zscore(k(sale, 'unrecorded'), ticket)]);
    return toTicket(ticket, fields, Number(decided ?? 0), unrecorded !== null);
  }

  /** One decision script call: the tickets asked for, then up to `ahead` queued ones in line order. */
  /**
   * A sharded sale's decisions: each ticket starts (or resumes) its walk on the sale's slot,
   * walks the sub-gates from its customer's (each a script on that sub-gate's slot, recorded
   * under its take id), and the walks' answers are settled on the sale's slot. A crash
   * between steps leaves the ticket `taking`: deciding it again walks with the same take id,
   * which finds its unit rather than taking another.
   */
  async function decideSharded(r: RedisClient & SaleCommands, sale: FlashSale, tickets: readonly number[], now: Date, ahead: number): Promise<BatchDecision> {
    const prepared = await r.saleShardPrepare(
      k(sale, 'generation'),
      k(sale, 'stats'),
      k(sale, 'decided'),
      k(sale, 'queued'),
      k(sale, 'line'),
      k(sale, 'waiting'),
      k(sale, 't:'),
      k(sale, 'taking'),
      k(sale, 'giveback'),
      generationOf(sale),
      isOver(sale, now) ? '1' : '0',
      now.getTime(),
      holdIdPrefixOf(sale.saleId, sale.generation),
      ahead,
      ...tickets,
    );
    if (prepared[0] === 'stale') return { decisions: tickets.map(() => ({ kind: 'stale', fresh: false })), decidedAhead: 0 };
    type Entry = { ticket: string; first: string; second: string; customer: string; quantity: string };
    const asked: Entry[] = tickets.map((ticket, i) => ({
      ticket: String(ticket),
      first: prepared[i * 4]!,
      second: prepared[i * 4 + 1]!,
      customer: prepared[i * 4 + 2]!,
      quantity: prepared[i * 4 + 3]!,
    }));
    const extra: Entry[] = [];
    for (let i = tickets.length * 4; i + 5 <= prepared.length; i += 5) {
      extra.push({ ticket: prepared[i]!, first: prepared[i + 1]!, second: prepared[i + 2]!, customer: prepared[i + 3]!, quantity: prepared[i + 4]! });
    }
    const started = [...asked, ...extra].filter((e) => e.first === 'take');
    const sharded = shardedSaleOf(sale);
    // The walks that answered are settled even when another failed (then the step fails after, and that ticket is decided again).
    const results = await Promise.allSettled(started.map((w) => subGates.take(sharded, w.second, w.customer, Number(w.quantity))));
    const walks = started.filter((_, i) => results[i]!.status === 'fulfilled');
    const answers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    crashPoint('flash-sale.walked');
    const holdExpiresAt = new Date(now.getTime() + sale.holdSeconds * 1000).toISOString();
    const settled =
      walks.length === 0
        ? []
        : await r.saleShardSettle(
            k(sale, 'generation'),
            k(sale, 'stats'),
            k(sale, 'decided'),
            k(sale, 'queued'),
            k(sale, 'unrecorded'),
            k(sale, 'open'),
            k(sale, 'held'),
            k(sale, 'waiting'),
            k(sale, 'taking'),
            k(sale, 't:'),
            generationOf(sale),
            now.getTime(),
            holdExpiresAt,
            Date.parse(holdExpiresAt),
            holdIdPrefixOf(sale.saleId, sale.generation),
            ...walks.flatMap((w, i) => [w.ticket, w.second, walkAnswer(answers[i]!)]),
          );
    if (settled[0] === 'stale') return { decisions: tickets.map(() => ({ kind: 'stale', fresh: false })), decidedAhead: 0 };
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const outcome = new Map(walks.map((w, i) => [w, { status: settled[i * 2]!, fresh: settled[i * 2 + 1] === 'new' }]));
    const kindOf = (status: string) => (status === 'won' || status === 'waiting' || status === 'expired' ? status : 'lost');
    const decisions = asked.map((e) => {
      const walked = outcome.get(e);
      if (walked) return { kind: kindOf(walked.status), fresh: walked.fresh } as const;
      return { kind: kindOf(e.first), fresh: e.second === 'new' } as const;
    });
    const decidedAhead = extra.filter((e) => (outcome.get(e) ?? { fresh: e.second === 'new' }).fresh).length;
    return { decisions, decidedAhead };
  }

  async function decideIn(r: RedisClient & SaleCommands, sale: FlashSale, tickets: readonly number[], now: Date, ahead: number): Promise<BatchDecision> {
    if (isSharded(sale)) return decideSharded(r, sale, tickets, now, ahead);
    const holdExpiresAt = new Date(now.getTime() + sale.holdSeconds * 1000).toISOString();
    const answer = await r.saleDecideBatch(
      gateKey(sale.shopId, sale.sku),
      k(sale, 'held'),
      k(sale, 'waiting'),
      k(sale, 'stats'),
      k(sale, 'decided'),
      k(sale, 'queued'),
      k(sale, 'unrecorded'),
      k(sale, 'open'),
      k(sale, 'generation'),
      k(sale, 't:'),
      k(sale, 'line'),
      generationOf(sale),
      isOver(sale, now) ? '1' : '0',
      now.getTime(),
      holdExpiresAt,
      Date.parse(holdExpiresAt),
      holdIdPrefixOf(sale.saleId, sale.generation),
      ahead,
      ...tickets,
    );
    if (answer[0] === 'stale') return { decisions: tickets.map(() => ({ kind: 'stale', fresh: false })), decidedAhead: 0 };
    const decisions = tickets.map((_, i) => {
      const status = answer[i * 2];
      const kind = status === 'won' || status === 'waiting' || status === 'expired' ? status : 'lost';
      return { kind, fresh: answer[i * 2 + 1] === 'new' } as const;
    });
    return { decisions, decidedAhead: Number(answer[tickets.length * 2] ?? 0) };
  }

  return {
    async open(sale) {
      // A sharded sale's sub-gates first (once each): a rebuilt generation's open empty, its units restored from DynamoDB.
      if (isSharded(sale)) await subGates.open(shardedSaleOf(sale), (sale.generation ?? 0) > 0 ? 0 : sale.units);
      await guarded(async (r) => {
        // SET NX: opening twice (a retried create) never resets a running sale. The generation
        // (of a state rebuilt after a loss) is what new tickets are queued under.
        await r.set(k(sale, 'generation'), sale.generation ?? 0);
        await r.set(k(sale, 'cap'), sale.units + admissionBuffer(sale.units), 'NX');
        if (isSharded(sale)) await r.set(k(sale, 'in-subgates'), 1, 'NX');
      });
    },

    isOpen: (sale) => guarded(async (r) => (await r.exists(k(sale, 'cap'))) === 1),

    async enter(sale, customerId, quantity, now): Promise<EntryOutcome> {
      return guarded(async (r) => {
        const answer = await r.saleEnter(
          k(sale, 'cap'),
          k(sale, 'seq'),
          k(sale, 'cust'),
          k(sale, 'stats'),
          k(sale, 't:'),
          // A sharded sale's sub-gates are on other slots: a flag on the sale's slot stands in, 1 until it is sold out for good.
          gateOr(sale, 'in-subgates'),
          k(sale, 'held'),
          k(sale, 'generation'),
          k(sale, 'queued'),
          k(sale, 'edge-closed'),
          k(sale, 'line'),
          customerId,
          quantity,
          now.toISOString(),
          now.getTime(),
          ENTRIES_CLOSED_REFRESH_MS,
        );
        if (answer[0] === 'sold_out') return answer[2] === 'refresh' ? { kind: 'sold_out', closeEntriesAtEdge: true } : { kind: 'sold_out' };
        const ticket = Number(answer[1]);
        const generation = Number(answer[2] ?? 0);
        const issued = generation > 0 ? { generation } : {};
        if (answer[0] === 'queued') return { kind: 'queued', ticket, fresh: true, ...issued };
        const existing = await readTicket(r, sale, ticket);
        if (!existing || existing.status === 'queued') return { kind: 'queued', ticket, fresh: false, ...issued };
        return { kind: 'decided', ticket: existing };
      });
    },

    async decideBatch(sale, tickets, now, ahead) {
      return guarded(async (r) => decideIn(r, sale, tickets, now, ahead));
    },

    async decide(sale, ticket, now): Promise<Decision> {
      return guarded(async (r) => {
        const [kind] = (await decideIn(r, sale, [ticket], now, 0)).decisions;
        if (kind?.kind === 'won') {
          const decided = (await readTicket(r, sale, ticket))!;
          return { kind: 'won', ticket: decided as Ticket & { holdId: string; holdExpiresAt: string }, fresh: kind.fresh };
        }
        return kind?.kind === 'waiting' || kind?.kind === 'expired' || kind?.kind === 'stale' ? { kind: kind.kind } : { kind: 'lost' };
      });
    },

    async recorderTurn(sale, ttlMs) {
      return guarded(async (r) => {
        const token = randomUUID();
        return (await r.saleRecorderTurn(k(sale, 'recorder'), token, ttlMs, 'take')) === 1 ? token : undefined;
      });
    },

    endRecorderTurn: (sale, token) => guarded(async (r) => void (await r.saleRecorderTurn(k(sale, 'recorder'), token, 0, 'end'))),

    ticket: (sale, ticket) => guarded((r) => readTicket(r, sale, ticket)),

    async holdEnded(sale, ticket, holdId) {
      return guarded(async (r) => {
        const [returned, ...next] = await r.saleHoldEnded(
          ticketKey(sale, ticket),
          gateOr(sale, 'giveback'),
          k(sale, 'held'),
          k(sale, 'waiting'),
          k(sale, 'stats'),
          k(sale, 'cap'),
          k(sale, 'open'),
          k(sale, 'unrecorded'),
          k(sale, 'generation'),
          50,
          ticket,
          holdId,
          generationOf(sale),
        );
        return { returned: Number(returned), next: next.map(Number) };
      });
    },

    async foreignHoldEnded(sale, holdId, units) {
      return guarded(async (r) => {
        const [returned, ...next] = await r.saleForeignHoldEnded(k(sale, 'foreign'), gateOr(sale, 'giveback'), k(sale, 'waiting'), k(sale, 'cap'), holdId, units, 50, isSharded(sale) ? '1' : '0');
        return { returned: Number(returned), next: next.map(Number) };
      });
    },

    holdRecorded: (sale, ticket) => guarded(async (r) => void (await r.zrem(k(sale, 'unrecorded'), ticket))),

    holdsRecorded: (sale, tickets) => guarded(async (r) => void (tickets.length > 0 && (await r.zrem(k(sale, 'unrecorded'), ...tickets)))),

    async orderPlaced(sale, { orderId, units, ticket, holdId }) {
      return guarded(async (r) =>
        (
          await r.saleOrder(
            k(sale, 'orders'),
            k(sale, 'held'),
            // A sharded sale: the waiting are answered when no hold is left; deciding them walks the sub-gates.
            gateOr(sale, NO_GATE),
            k(sale, 'waiting'),
            k(sale, 'stats'),
            ticketKey(sale, ticket ?? 0),
            k(sale, 'open'),
            k(sale, 'unrecorded'),
            k(sale, 'generation'),
            orderId,
            units,
            ticket ?? '',
            holdId ?? '',
            generationOf(sale),
          )
        ).map(Number),
      );
    },

    customerTicket: (sale, customerId) =>
      guarded(async (r) => {
        const ticket = await r.hget(k(sale, 'cust'), customerId);
        return ticket === null ? undefined : Number(ticket);
      }),

    overdue: (sale, { queuedBefore, decidedBefore, expiredBefore }, limit) =>
      guarded(async (r) => {
        const [queued, unrecorded, expiredHolds] = await Promise.all([
          dueIn(r, k(sale, 'queued'), queuedBefore, limit),
          dueIn(r, k(sale, 'unrecorded'), decidedBefore, limit),
          dueIn(r, k(sale, 'open'), expiredBefore, limit),
        ]);
        return { queued: queued.sort((a, b) => a - b), unrecorded, expiredHolds };
      }),

    unrecorded: (sale, limit = 100_000) =>
      guarded(async (r) =>
        (await r.saleUnrecorded(k(sale, 'unrecorded'), k(sale, 't:'), limit))
          .filter(([, status, holdId]) => status === 'won' && holdId)
          .map(([ticket, , holdId, holdExpiresAt, quantity, customerId]) => ({
            ticket: Number(ticket),
            holdId: holdId!,
            holdExpiresAt: holdExpiresAt!,
            quantity: Number(quantity),
            customerId: customerId!,
          })),
      ),

    gateSnapshot: (sale) =>
      guarded(async (r) => {
        const [inGate, outstanding] = await r.saleGateSnapshot(gateOr(sale, NO_GATE), k(sale, 'unrecorded'), k(sale, 't:'));
        // A sharded sale's sub-gates are on other slots: read after (a step in between differs for one run only).
        const inSubGates = isSharded(sale) ? sum(await subGates.remaining(shardedSaleOf(sale))) : 0;
        return { inGate: Number(inGate) + inSubGates, outstanding: Number(outstanding) };
      }),

    recountHeld: (sale) =>
      guarded(async (r) => {
        const [before, after] = await r.saleRecountHeld(k(sale, 'held'), k(sale, 'open'), k(sale, 't:'));
        return { before: Number(before), after: Number(after) };
      }),

    sameDriftAsLastRun: (sale, discrepancy) => guarded(async (r) => Number(await r.saleAgree(k(sale, 'drift'), discrepancy)) === 1),

    count: (sale, field, n) => guarded(async (r) => void (n !== 0 && (await r.hincrby(k(sale, 'stats'), field, n)))),

    async counts(sale): Promise<SaleCounts> {
      return guarded(async (r) => {
        const [stats, inGate, held, orders, waiting] = await Promise.all([
          r.hgetall(k(sale, 'stats')),
          isSharded(sale) ? subGates.remaining(shardedSaleOf(sale)).then(sum) : r.get(gateKey(sale.shopId, sale.sku)),
          r.get(k(sale, 'held')),
          r.scard(k(sale, 'orders')),
          r.llen(k(sale, 'waiting')),
        ]);
        const n = (v: string | number | undefined | null) => Number(v ?? 0);
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
          unitsSold: n(stats.unitsSold),
          unitsReturned: n(stats.unitsReturned),
          redriven: n(stats.redriven),
          repaired: n(stats.repaired),
        };
      });
    },

    waiting: (sale) => guarded(async (r) => (await r.lrange(k(sale, 'waiting'), 0, -1)).map(Number)),

    async admit(sale, customerId, now) {
      return guarded(async (r) => {
        // The customer's bucket lives on the customer's own slot (spread over the cluster), the
        // sale's on the sale's: the customer's first, so one over its own rate never spends the sale's.
        const customerBurst = limits.customerBurst ?? 5;
        const customerRate = limits.customerPerSecond ?? 1;
        const own = customerBucketKey(sale, customerId);
        const ownWait = Number(await r.saleBucket(own, customerBurst, customerRate, now.getTime(), 'take'));
        if (ownWait > 0) return { ok: false, retryAfterMs: ownWait };
        const perSecond = limits.salePerSecond ?? 50_000;
        const saleWait = Number(await r.saleBucket(k(sale, 'rl:*'), perSecond, perSecond, now.getTime(), 'take'));
        if (saleWait === 0) return { ok: true };
        await r.saleBucket(own, customerBurst, customerRate, now.getTime(), 'refund');
        return { ok: false, retryAfterMs: saleWait };
      });
    },
  };
}

/** What a sharded sale needs besides its SaleState (see SaleSubGates): the outbox, stuck walks, the end's collection, repairs. */
export function redisSaleSubGates(redis: () => Promise<RedisClient>): SaleSubGates {
  const client = withScripts<Pick<SaleCommands, 'saleCountOnce'>>(redis, { saleCountOnce: { numberOfKeys: 2, lua: COUNT_ONCE } });
  const gate = redisShardedGate(redis);
  const k = saleKey;
  async function guarded<T>(run: (r: RedisClient & Pick<SaleCommands, 'saleCountOnce'>) => Promise<T>): Promise<T> {
    try {
      return await run(await client());
    } catch (error) {
      throw Object.assign(new UnavailableError('The flash-sale state cannot be reached; nothing was sold. Retry shortly.', 2), { cause: error });
    }
  }
  const RESTORE = 'restore:';

  return {
    giveBacks: (sale, limit) =>
      guarded(async (r) => {
        const [, pairs] = await r.hscan(k(sale, 'giveback'), '0', 'COUNT', limit);
        const out: GiveBack[] = [];
        for (let i = 0; i + 1 < pairs.length && out.length < limit; i += 2) {
          const [id, value] = [pairs[i]!, pairs[i + 1]!];
          if (id.startsWith(RESTORE)) out.push({ id, units: Number(value) });
          else out.push(value === '*' ? { id } : { id, shard: Number(value) });
        }
        return out;
      }),

    async giveBack(sale, entry) {
      const sharded = shardedSaleOf(sale);
      if (entry.id.startsWith(RESTORE)) {
        const { restored, closed } = await gate.restore(sharded, entry.id, entry.units ?? 0);
        return { returned: restored, closed };
      }
      return gate.release(sharded, entry.id, entry.shard);
    },

    givenBack: (sale, id) => guarded(async (r) => void (await r.hdel(k(sale, 'giveback'), id))),

    stuckWalks: (sale, before, limit) => guarded(async (r) => (await r.zrangebyscore(k(sale, 'taking'), '-inf', before.getTime(), 'LIMIT', 0, limit)).map(Number)),

    collect: (sale) => gate.collect(shardedSaleOf(sale)),

    countOnce: (sale, id, field, n) => guarded(async (r) => void (n !== 0 && (await r.saleCountOnce(k(sale, 'once'), k(sale, 'stats'), id, field, n)))),

    restore: (sale, id, units) => gate.restore(shardedSaleOf(sale), `${RESTORE}${id}`, units),

    withdraw: (sale, max) => gate.withdraw(shardedSaleOf(sale), max),

    soldOut: (sale) => guarded(async (r) => void (await r.set(k(sale, 'in-subgates'), 0))),
  };
}
