/**
 * How a drop's units are split over sub-gates, so a sale above what one Redis shard can
 * take (about 15,000-20,000 entry scripts a second, docs/capacity.md) runs on several:
 * N sub-gates of about units/N on N hash slots, each customer routed to one by a hash of
 * their id, a customer whose sub-gate is empty served by the others, the leftovers pooled
 * at the end. The numbers here are pure; the Redis side is adapters/redis/sharded-gate.ts.
 */

/** Entry scripts a second one shard's primary takes with room to spare (the measured ceiling is higher; see docs/capacity.md). */
export const ENTRIES_PER_SHARD_PER_SECOND = 15_000;
/** More sub-gates than this only adds walks at the end of a sale: a cluster of more shards than this is not the bottleneck. */
export const MAX_GATE_SHARDS = 16;

/**
 * Sub-gates for an expected peak entry rate: one up to a shard's rate, then enough for each
 * to stay under it, as a power of two (slots spread evenly over a cluster that grows by
 * doubling), at most MAX_GATE_SHARDS, and never more than there are units.
 */
export function gateShardsFor(expectedEntriesPerSecond: number, units: number): number {
  if (!(expectedEntriesPerSecond > ENTRIES_PER_SHARD_PER_SECOND)) return 1;
  const needed = Math.ceil(expectedEntriesPerSecond / ENTRIES_PER_SHARD_PER_SECOND);
  const powerOfTwo = 2 ** Math.ceil(Math.log2(needed));
  return Math.max(1, Math.min(powerOfTwo, MAX_GATE_SHARDS, units));
}

/** The units of each sub-gate: as even as whole units allow, the first ones one more. */
export function splitUnits(units: number, shards: number): number[] {
  if (!Number.isInteger(units) || units < 0) throw new RangeError(`units must be a whole number ≥ 0, got ${units}`);
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a whole number ≥ 1, got ${shards}`);
  const base = Math.floor(units / shards);
  const extra = units % shards;
  return Array.from({ length: shards }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The sub-gate of a customer: FNV-1a of the id, so every process routes a customer alike without asking anyone. */
export function shardOf(customerId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i += 1) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** The order in which a customer's take visits the sub-gates: theirs first, then the next ones round the ring. */
export function walkOrder(customerId: string, shards: number): number[] {
  const first = shardOf(customerId, shards);
  return Array.from({ length: shards }, (_, i) => (first + i) % shards);
}
