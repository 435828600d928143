import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gateShardsFor, MAX_GATE_SHARDS, shardOf, splitUnits, walkOrder } from '#shared/flash-sales/gate-shards';

describe('gate shards', () => {
  it('keeps one gate up to a shard’s rate, then doubles, up to the cap and never past the units', () => {
    expect(gateShardsFor(0, 10_000)).toBe(1);
    expect(gateShardsFor(15_000, 10_000)).toBe(1);
    expect(gateShardsFor(15_001, 10_000)).toBe(2);
    expect(gateShardsFor(50_000, 10_000)).toBe(4);
    expect(gateShardsFor(100_000, 10_000)).toBe(8);
    expect(gateShardsFor(10_000_000, 10_000)).toBe(MAX_GATE_SHARDS);
    expect(gateShardsFor(100_000, 3)).toBe(3);
    expect(gateShardsFor(Number.NaN, 10)).toBe(1);
  });

  it('splits units evenly and exactly', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 64 }), (units, shards) => {
        const shares = splitUnits(units, shards);
        expect(shares).toHaveLength(shards);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(units);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
    expect(() => splitUnits(-1, 2)).toThrow(RangeError);
    expect(() => splitUnits(5, 0)).toThrow(RangeError);
  });

  it('routes a customer to the same sub-gate everywhere, spreads customers evenly, and walks every sub-gate once', () => {
    expect(shardOf('customer-42', 8)).toBe(shardOf('customer-42', 8));
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 80_000; i += 1) counts[shardOf(`cognito-sub-${i}`, 8)]! += 1;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(600);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 16 }), (customer, shards) => {
        const walk = walkOrder(customer, shards);
        expect(walk[0]).toBe(shardOf(customer, shards));
        expect([...walk].sort((a, b) => a - b)).toEqual(Array.from({ length: shards }, (_, i) => i));
      }),
    );
  });
});
