import type { GateResult, InventoryGate } from '#shared/inventory/gate';
import { GateUnavailableError } from '#shared/inventory/gate';
import { withScripts, type RedisClient } from './client';

/**
 * The inventory gate in Redis. `take` is one Lua script: it reads every key, refuses if
 * any has fewer units than asked (answering which; a SKU's lines summed), else decrements them all, so
 * concurrent requests can never take a key below zero. Any Redis error becomes
 * GateUnavailableError: the caller refuses the sale.
 */
const TAKE = `
-- A SKU may appear on several lines: its lines are summed before the check, so one call
-- can never take a key below zero by asking for it twice.
local need, keys = {}, {}
for i, key in ipairs(KEYS) do
  if need[key] == nil then
    need[key] = 0
    keys[#keys + 1] = key
  end
  need[key] = need[key] + tonumber(ARGV[i])
end
local short = {}
for i, key in ipairs(KEYS) do
  local have = tonumber(redis.call('GET', key) or '0')
  if have < need[key] then short[#short + 1] = i end
end
if #short > 0 then return short end
for _, key in ipairs(keys) do redis.call('DECRBY', key, need[key]) end
return 0
`;

const GIVE = `
for i, key in ipairs(KEYS) do redis.call('INCRBY', key, ARGV[i]) end
return 0
`;

/** Adds ARGV[1] (may be negative), never going below zero; answers the units now there. */
const ADJUST = `
local have = tonumber(redis.call('GET', KEYS[1]) or '0')
local want = have + tonumber(ARGV[1])
if want < 0 then want = 0 end
redis.call('SET', KEYS[1], want)
return want
`;

const WITHDRAW = `
local have = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = math.min(have, tonumber(ARGV[1]))
if n > 0 then redis.call('DECRBY', KEYS[1], n) end
return n
`;

type GateCommands = {
  gateWithdraw(key: string, max: number): Promise<number>;
  gateTake(...args: Array<string | number>): Promise<number | number[]>;
  gateGive(...args: Array<string | number>): Promise<number>;
  gateAdjust(key: string, delta: number): Promise<number>;
};

export const gateKey = (shopId: string, sku: string) => `inv:{${shopId}}:${sku}`;

export function redisInventoryGate(redis: () => Promise<RedisClient>): InventoryGate {
  const client = withScripts<GateCommands>(redis, {
    gateTake: { lua: TAKE },
    gateGive: { lua: GIVE },
    gateAdjust: { numberOfKeys: 1, lua: ADJUST },
    gateWithdraw: { numberOfKeys: 1, lua: WITHDRAW },
  });

  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new GateUnavailableError(error);
    }
  }

  return {
    async take(shopId, lines): Promise<GateResult> {
      const args: Array<string | number> = [lines.length];
      for (const line of lines) args.push(gateKey(shopId, line.sku));
      for (const line of lines) args.push(line.quantity);
      let answer: number | number[];
      try {
        answer = await (await client()).gateTake(...args);
      } catch (error) {
        throw new GateUnavailableError(error);
      }
      if (answer === 0) return { ok: true };
      return { ok: false, short: [...new Set((answer as number[]).map((i) => lines[i - 1]!.sku))] };
    },
    async give(shopId, lines) {
      const keys = lines.map((l) => gateKey(shopId, l.sku));
      await guarded(async () => (await client()).gateGive(keys.length, ...keys, ...lines.map((l) => l.quantity)));
    },
    async adjust(shopId, sku, delta) {
      return guarded(async () => Number(await (await client()).gateAdjust(gateKey(shopId, sku), delta)));
    },
    async withdraw(shopId, sku, max) {
      return guarded(async () => Number(await (await client()).gateWithdraw(gateKey(shopId, sku), max)));
    },
    async remaining(shopId, skus) {
      const values = await guarded(async () => (await client()).mget(...skus.map((sku) => gateKey(shopId, sku))));
      return new Map(skus.map((sku, i) => [sku, Number(values[i] ?? 0)]));
    },
  };
}
