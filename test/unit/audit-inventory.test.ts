import { describe, expect, it } from 'vitest';
import { auditSku } from '#shared/inventory/audit-inventory';

const counters = (c: Partial<Record<'onHand' | 'available' | 'reserved' | 'sold' | 'version', number>>) => ({
  shopId: 's',
  sku: 'A',
  onHand: 0,
  available: 0,
  reserved: 0,
  sold: 0,
  lowStockThreshold: 5,
  version: 0,
  ...c,
});
const entry = (onHand: number, available: number, reserved = 0, sold = 0) => ({ delta: { onHand, available, reserved, sold } });

describe('auditSku', () => {
  it('accepts counters that the ledger explains', () => {
    expect(auditSku(counters({ onHand: 10, available: 7, reserved: 3, version: 2 }), [entry(10, 10), entry(0, -3, 3)])).toEqual([]);
    expect(auditSku(counters({}), [])).toEqual([]);
  });

  it('names a broken invariant, a negative counter, a ledger mismatch and a missing entry', () => {
    expect(auditSku(counters({ onHand: 10, available: 8, reserved: 3, version: 2 }), [entry(10, 10), entry(0, -3, 3)])).toEqual([
      'onHand 10 ≠ available + reserved + sold = 11',
      'the ledger sums available to 7, the counter says 8',
    ]);
    expect(auditSku(counters({ onHand: -1, available: -1, version: 1 }), [entry(-1, -1)])).toEqual(['onHand is negative (-1)', 'available is negative (-1)']);
    expect(auditSku(counters({ onHand: 5, available: 5, version: 2 }), [entry(5, 5)])).toEqual(['1 ledger entries for version 2']);
  });
});
