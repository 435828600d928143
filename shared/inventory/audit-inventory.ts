import type { StockRepository } from './inventory-ports';
import type { LedgerEntry, StockCounters } from './stock';

/**
 * The inventory audit: for every SKU of a shop, the counters satisfy
 * onHand = available + reserved + sold with none negative, the ledger sums to the counters,
 * and there is one ledger entry per version (every movement was recorded exactly once).
 */
export interface AuditFinding {
  readonly sku: string;
  readonly problem: string;
}

const FIELDS = ['onHand', 'available', 'reserved', 'sold'] as const;
/** SKUs audited at once. */
const AUDIT_CONCURRENCY = 16;

export function auditSku(counters: StockCounters, entries: readonly Pick<LedgerEntry, 'delta'>[]): string[] {
  const problems: string[] = [];
  for (const field of FIELDS) if (counters[field] < 0) problems.push(`${field} is negative (${counters[field]})`);
  const sum = counters.available + counters.reserved + counters.sold;
  if (counters.onHand !== sum) problems.push(`onHand ${counters.onHand} ≠ available + reserved + sold = ${sum}`);
  for (const field of FIELDS) {
    const ledger = entries.reduce((total, entry) => total + entry.delta[field], 0);
    if (ledger !== counters[field]) problems.push(`the ledger sums ${field} to ${ledger}, the counter says ${counters[field]}`);
  }
  if (entries.length !== counters.version) problems.push(`${entries.length} ledger entries for version ${counters.version}`);
  return problems;
}

export interface InventoryScan {
  /** Every SKU's counters of a shop. */
  countersOf(shopId: string): AsyncIterable<StockCounters[]>;
}

export function makeAuditInventory({ stock, scan }: { stock: StockRepository; scan: InventoryScan }) {
  return async function auditInventory(shopId: string, progress: (checked: number) => void = () => undefined): Promise<{ checked: number; findings: AuditFinding[] }> {
    const findings: AuditFinding[] = [];
    let checked = 0;
    for await (const page of scan.countersOf(shopId)) {
      // A scan page holds thousands of SKUs: a few at a time, so the store is not flooded with ledger reads.
      for (let start = 0; start < page.length; start += AUDIT_CONCURRENCY) {
        const batch = page.slice(start, start + AUDIT_CONCURRENCY);
        await Promise.all(
          batch.map(async (counters) => {
            const entries: LedgerEntry[] = [];
            let cursor: string | undefined;
            do {
              const ledger = await stock.ledger(shopId, counters.sku, { limit: 100, ...(cursor ? { cursor } : {}) });
              entries.push(...ledger.items);
              cursor = ledger.nextCursor;
            } while (cursor);
            // Read the counters again after the ledger: a movement in between shows as a mismatch otherwise.
            const now = (await stock.get(shopId, counters.sku)) ?? counters;
            for (const problem of auditSku(now, entries)) findings.push({ sku: counters.sku, problem });
          }),
        );
        checked += batch.length;
      }
      progress(checked);
    }
    return { checked, findings: findings.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)) };
  };
}
