import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENTRIES_PER_UNIT, WARM_LEAD_SECONDS, WARM_LOADS, warmCapacity, warmWindow, type WarmLimits } from '#shared/flash-sales/warm-capacity';

/** The sizing of the capacity warmed before a drop (docs/capacity.md, "Warmed before the drop"). */
const LIMITS: WarmLimits = { entryRatePerSecond: 3000, pollRatePerSecond: 2000, decisionConcurrency: 16, budget: 400 };

describe('warmCapacity', () => {
  it("sizes the design's drop (500,000 entries for 10,000 units) at the route caps", () => {
    expect(warmCapacity({ units: 10_000, expectedEntries: 500_000 }, LIMITS)).toEqual({ entries: 90, ticketPolls: 48, ticketDecisions: 16 });
  });

  it("assumes the design's ratio, 50 entries a unit, without expectedEntries", () => {
    expect(warmCapacity({ units: 10_000 }, LIMITS)).toEqual(warmCapacity({ units: 10_000, expectedEntries: 10_000 * DEFAULT_ENTRIES_PER_UNIT }, LIMITS));
  });

  it('keeps a small sale small: at least 1 each, never more tickets than entries', () => {
    expect(warmCapacity({ units: 50, expectedEntries: 200 }, LIMITS)).toEqual({ entries: 1, ticketPolls: 2, ticketDecisions: 6 });
    expect(warmCapacity({ units: 1, expectedEntries: 1 }, LIMITS)).toEqual({ entries: 1, ticketPolls: 1, ticketDecisions: 1 });
  });

  it('grows with the expected entries until the entry route caps them', () => {
    const small = warmCapacity({ units: 1000, expectedEntries: 5_000 }, LIMITS);
    const large = warmCapacity({ units: 1000, expectedEntries: 20_000 }, LIMITS);
    expect(large.entries).toBeGreaterThan(small.entries);
    expect(warmCapacity({ units: 1000, expectedEntries: 5_000_000 }, LIMITS)).toEqual(warmCapacity({ units: 1000, expectedEntries: 30_000 }, LIMITS));
  });

  it('scales every function down together to fit the budget', () => {
    const tight = warmCapacity({ units: 10_000, expectedEntries: 500_000 }, { ...LIMITS, budget: 77 });
    expect(tight).toEqual({ entries: 44, ticketPolls: 24, ticketDecisions: 8 });
  });

  it('never passes the budget nor goes below 1, whatever the sale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.option(fc.integer({ min: 1, max: 100_000_000 }), { nil: undefined }),
        fc.integer({ min: 3, max: 2000 }),
        (units, expectedEntries, budget) => {
          const size = warmCapacity({ units, expectedEntries }, { ...LIMITS, budget });
          const total = WARM_LOADS.reduce((sum, load) => sum + size[load], 0);
          expect(total).toBeLessThanOrEqual(budget);
          for (const load of WARM_LOADS) expect(Number.isInteger(size[load]) && size[load] >= 1).toBe(true);
          expect(size.ticketDecisions).toBeLessThanOrEqual(LIMITS.decisionConcurrency);
        },
      ),
    );
  });

  it('refuses what cannot be sized', () => {
    expect(() => warmCapacity({ units: 0 }, LIMITS)).toThrow(RangeError);
    expect(() => warmCapacity({ units: 10, expectedEntries: 0 }, LIMITS)).toThrow(RangeError);
    expect(() => warmCapacity({ units: 10 }, { ...LIMITS, budget: 2 })).toThrow(RangeError);
  });
});

describe('warmWindow', () => {
  const sale = { startsAt: '2026-12-24T12:00:00.000Z', endsAt: '2026-12-24T13:00:00.000Z' };

  it('warms 5 minutes before the start and cools at the end', () => {
    expect(WARM_LEAD_SECONDS).toBe(300);
    expect(warmWindow(sale, new Date('2026-12-24T09:00:00.000Z'))).toEqual({ warmAt: new Date('2026-12-24T11:55:00.000Z'), coolAt: new Date('2026-12-24T13:00:00.000Z') });
  });

  it('warms now for a sale created less than 5 minutes before its start', () => {
    const now = new Date('2026-12-24T11:58:00.000Z');
    expect(warmWindow(sale, now).warmAt).toEqual(now);
  });
});
