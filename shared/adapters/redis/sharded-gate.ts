import { UnavailableError } from '#shared/errors';
import { splitUnits, walkOrder } from '#shared/flash-sales/gate-shards';
import { crashPoint } from '#shared/platform/crash-points';
import { withScripts, type RedisClient } from './client';

/**
 * A sale's units on N sub-gates, each on its own hash slot, so the takes of a drop spread
 * over a cluster's shards instead of all landing on the shop's one slot:
 *   fsg:{<shop>:<sale>:<i>}:units   units left in sub-gate i
 *   fsg:{<shop>:<sale>:<i>}:takes   take id → units taken here, `passed` (the take found
 *                                   too few here and went on), or `returned`
 *   fsg:{<shop>:<sale>:<i>}:closed  the units the end of the sale collected from sub-gate i
 * A take starts at the customer's own sub-gate (gate-shards.ts) and walks the others round
 * the ring only when that one is short, so the units of a quiet sub-gate are not stranded
 * while another's customers are refused. Every step is one script on one slot, and it writes
 * what it did under the take's id, so a retried take (after a crash, a timeout) finds its
 * first attempt's unit instead of taking another, and never takes from a sub-gate that
 * attempt passed. At the end `collect` closes each sub-gate once and answers the same
 * leftovers however often it runs; a unit given back after that goes to the caller
 * (available stock), never into a closed sub-gate. So units taken never exceed the sale's
 * units, and taken + collected = units once every take has been settled.
 */
const OPEN = `
-- KEYS: units, closed ; ARGV: units
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

const TAKE = `
-- KEYS: units, takes, closed ; ARGV: takeId, quantity
local earlier = redis.call('HGET', KEYS[2], ARGV[1])
if earlier == 'passed' then return {'short'} end
if earlier and (earlier == 'returned' or string.sub(earlier, 1, 5) == 'late:') then return {'returned'} end
if earlier then return {'taken'} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'closed'} end
local have = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = tonumber(ARGV[2])
if have < want then
  redis.call('HSET', KEYS[2], ARGV[1], 'passed')
  return {'short'}
end
redis.call('DECRBY', KEYS[1], want)
redis.call('HSET', KEYS[2], ARGV[1], want)
return {'taken'}
`;

const GIVE_BACK = `
-- KEYS: units, takes, closed ; ARGV: takeId
local taken = redis.call('HGET', KEYS[2], ARGV[1])
if not taken or taken == 'passed' or taken == 'returned' or string.sub(taken, 1, 5) == 'late:' then return {'none', '0'} end
redis.call('HSET', KEYS[2], ARGV[1], 'returned')
if redis.call('EXISTS', KEYS[3]) == 1 then return {'closed', taken} end
redis.call('INCRBY', KEYS[1], taken)
return {'returned', taken}
`;

/**
 * A take's units back, for a caller that must learn the same answer on a retry (a sale's
 * give-back outbox, whose crash after the script but before its own step repeats it): units
 * returned to an open sub-gate answer 'returned' once; units that found the sub-gate closed
 * are marked `late:<n>` and answered 'closed' on every call, so the caller can move them to
 * available stock idempotently. A take id never seen here is marked returned, so a walk of a
 * cancelled take that is still on its way takes nothing here afterwards.
 */
const RELEASE = `
-- KEYS: units, takes, closed ; ARGV: takeId
local taken = redis.call('HGET', KEYS[2], ARGV[1])
if not taken then
  redis.call('HSET', KEYS[2], ARGV[1], 'returned')
  return {'none', '0'}
end
if taken == 'passed' or taken == 'returned' then return {'none', '0'} end
if string.sub(taken, 1, 5) == 'late:' then return {'closed', string.sub(taken, 6)} end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], 'late:' .. taken)
  return {'closed', taken}
end
redis.call('HSET', KEYS[2], ARGV[1], 'returned')
redis.call('INCRBY', KEYS[1], taken)
return {'returned', taken}
`;

/** Units added to a sub-gate once per id (a repair, a hold of an earlier generation); into a closed one they are the caller's, answered alike on a retry. */
const RESTORE = `
-- KEYS: units, takes, closed ; ARGV: id, units
local done = redis.call('HGET', KEYS[2], ARGV[1])
if done then
  if string.sub(done, 1, 5) == 'late:' then return {'closed', string.sub(done, 6)} end
  return {'done', '0'}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], 'late:' .. ARGV[2])
  return {'closed', ARGV[2]}
end
redis.call('HSET', KEYS[2], ARGV[1], 'restored')
redis.call('INCRBY', KEYS[1], ARGV[2])
return {'restored', ARGV[2]}
`;

/** Up to ARGV[1] units out of an open sub-gate (a repair of units it should not have); answers how many. */
const WITHDRAW = `
-- KEYS: units ; ARGV: max
local have = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = math.min(have, tonumber(ARGV[1]))
if n > 0 then redis.call('DECRBY', KEYS[1], n) end
return n
`;

const COLLECT = `
-- KEYS: units, closed
local closed = redis.call('GET', KEYS[2])
if closed then return tonumber(closed) end
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[2], left)
redis.call('SET', KEYS[1], 0)
return left
`;

type ShardedGateCommands = {
  shardOpen(units: string, closed: string, count: number): Promise<number>;
  shardTake(units: string, takes: string, closed: string, takeId: string, quantity: number): Promise<string[]>;
  shardGiveBack(units: string, takes: string, closed: string, takeId: string): Promise<[string, string]>;
  shardCollect(units: string, closed: string): Promise<number>;
  shardRelease(units: string, takes: string, closed: string, takeId: string): Promise<[string, string]>;
  shardRestore(units: string, takes: string, closed: string, id: string, count: number): Promise<[string, string]>;
  shardWithdraw(units: string, max: number): Promise<number>;
};

export type ReleaseAnswer = {
  /** Units back in an open sub-gate (answered once). */
  readonly returned: number;
  /** Units that found their sub-gate closed: the caller's, for available stock (answered the same on every call). */
  readonly closed: number;
};

/** Which sale: its shop, id and number of sub-gates (fixed when the sale opens). */
export interface ShardedSale {
  readonly shopId: string;
  readonly saleId: string;
  readonly shards: number;
}

export type TakeAnswer =
  /** Taken from sub-gate `shard` (now, or by an earlier attempt of the same take). */
  | { readonly kind: 'taken'; readonly shard: number }
  /** No sub-gate had the units when the walk visited it. */
  | { readonly kind: 'sold_out' }
  /** The sale's sub-gates are collected: it is over. */
  | { readonly kind: 'closed' }
  /** This take's units were taken and given back: a take id takes once. */
  | { readonly kind: 'given_back' };

export type GiveBackAnswer =
  /** Back in sub-gate `shard`, for the next take. */
  | { readonly kind: 'returned'; readonly units: number }
  /** The sub-gate is collected: the caller puts these units back to available stock. */
  | { readonly kind: 'closed'; readonly units: number }
  /** Nothing to give back (never taken, or given back before). */
  | { readonly kind: 'none' };

export function shardedGateKeys(sale: Pick<ShardedSale, 'shopId' | 'saleId'>, shard: number) {
  const base = `fsg:{${sale.shopId}:${sale.saleId}:${shard}}`;
  return { units: `${base}:units`, takes: `${base}:takes`, closed: `${base}:closed` };
}

export function redisShardedGate(redis: () => Promise<RedisClient>) {
  const client = withScripts<ShardedGateCommands>(redis, {
    shardOpen: { numberOfKeys: 2, lua: OPEN },
    shardTake: { numberOfKeys: 3, lua: TAKE },
    shardGiveBack: { numberOfKeys: 3, lua: GIVE_BACK },
    shardCollect: { numberOfKeys: 2, lua: COLLECT },
    shardRelease: { numberOfKeys: 3, lua: RELEASE },
    shardRestore: { numberOfKeys: 3, lua: RESTORE },
    shardWithdraw: { numberOfKeys: 1, lua: WITHDRAW },
  });

  async function guarded<T>(what: string, run: (r: RedisClient & ShardedGateCommands) => Promise<T>): Promise<T> {
    try {
      return await run(await client());
    } catch (error) {
      throw Object.assign(new UnavailableError(`The flash-sale gate could not ${what}; nothing was taken twice. Retry shortly.`, 2), { cause: error });
    }
  }

  const shardsOf = (sale: ShardedSale) => Array.from({ length: sale.shards }, (_, i) => i);

  return {
    /** Puts the sale's units into its sub-gates, once (a second call changes nothing). */
    async open(sale: ShardedSale, units: number): Promise<void> {
      const shares = splitUnits(units, sale.shards);
      await guarded('open', (r) => Promise.all(shares.map((share, i) => r.shardOpen(shardedGateKeys(sale, i).units, shardedGateKeys(sale, i).closed, share))));
    },

    /**
     * Takes `quantity` units for the take `takeId` (a ticket, a hold: the same id on a retry),
     * from the customer's sub-gate, else the next ones round the ring.
     */
    async take(sale: ShardedSale, takeId: string, customerId: string, quantity: number): Promise<TakeAnswer> {
      return guarded('take units', async (r) => {
        let closed = 0;
        for (const shard of walkOrder(customerId, sale.shards)) {
          const keys = shardedGateKeys(sale, shard);
          const [answer] = await r.shardTake(keys.units, keys.takes, keys.closed, takeId, quantity);
          if (answer === 'taken') return { kind: 'taken', shard };
          if (answer === 'returned') return { kind: 'given_back' };
          if (answer === 'closed') closed += 1;
          // A crash here leaves the sub-gates passed so far marked: the retry goes on from the next.
          crashPoint('sharded-gate.walked');
        }
        return closed === sale.shards ? { kind: 'closed' } : { kind: 'sold_out' };
      });
    },

    /** Gives a take's units back to the sub-gate it took them from (once). */
    async giveBack(sale: ShardedSale, takeId: string, shard: number): Promise<GiveBackAnswer> {
      const keys = shardedGateKeys(sale, shard);
      const [kind, units] = await guarded('give units back', (r) => r.shardGiveBack(keys.units, keys.takes, keys.closed, takeId));
      return kind === 'none' ? { kind: 'none' } : { kind: kind as 'returned' | 'closed', units: Number(units) };
    },

    /**
     * A take's units back, whatever became of it (see RELEASE): from the sub-gate `shard`, or,
     * when the caller does not know where the take got to (a walk that may be on its way),
     * from every sub-gate, each marked so the take can take nothing there afterwards.
     */
    async release(sale: ShardedSale, takeId: string, shard?: number): Promise<ReleaseAnswer> {
      const shards = shard === undefined ? shardsOf(sale) : [shard];
      const answers = await guarded('give units back', (r) =>
        Promise.all(shards.map((i) => r.shardRelease(shardedGateKeys(sale, i).units, shardedGateKeys(sale, i).takes, shardedGateKeys(sale, i).closed, takeId))),
      );
      let returned = 0;
      let closed = 0;
      for (const [kind, units] of answers) {
        if (kind === 'returned') returned += Number(units);
        if (kind === 'closed') closed += Number(units);
      }
      return { returned, closed };
    },

    /** Adds `units` to sub-gate `shard` once per `id`; answers the units that found it closed (the caller's, the same on a retry). */
    async restore(sale: ShardedSale, id: string, units: number, shard = 0): Promise<{ restored: number; closed: number }> {
      const keys = shardedGateKeys(sale, shard);
      const [kind, n] = await guarded('take units back', (r) => r.shardRestore(keys.units, keys.takes, keys.closed, id, units));
      return { restored: kind === 'restored' ? Number(n) : 0, closed: kind === 'closed' ? Number(n) : 0 };
    },

    /** Takes up to `max` units out of the open sub-gates (a repair); answers how many. */
    async withdraw(sale: ShardedSale, max: number): Promise<number> {
      let left = max;
      for (const i of shardsOf(sale)) {
        if (left <= 0) break;
        left -= Number(await guarded('withdraw units', (r) => r.shardWithdraw(shardedGateKeys(sale, i).units, left)));
      }
      return max - left;
    },

    /** Units left in each sub-gate (0 for a collected one). */
    async remaining(sale: ShardedSale): Promise<number[]> {
      // One GET a sub-gate: their keys are on different slots, which one MGET cannot span in a cluster.
      const values = await guarded('read its units', (r) => Promise.all(shardsOf(sale).map((i) => r.get(shardedGateKeys(sale, i).units))));
      return values.map((v) => Number(v ?? 0));
    },

    /**
     * The end of the sale: closes every sub-gate and answers the units left in all of them,
     * the same on every call (a crash half-way is finished by the next call).
     */
    async collect(sale: ShardedSale): Promise<number> {
      const left = await guarded('collect its units', (r) => Promise.all(shardsOf(sale).map((i) => r.shardCollect(shardedGateKeys(sale, i).units, shardedGateKeys(sale, i).closed))));
      return left.reduce((sum, n) => sum + Number(n), 0);
    },
  };
}

export type ShardedGate = ReturnType<typeof redisShardedGate>;
