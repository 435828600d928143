import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CatalogImportWriter, ImportWrite } from '#shared/catalog/catalog-ports';
import { pauseBeforeRetry } from '#shared/platform/deadline';
import { batchGetAll } from './batch-get';
import { dynamoProductRepository, productCreateWrites, productItemKey, productReplaceWrites, toImportedProduct } from './product-repository';
import { initialStockWrites } from './stock-repository';
import { transactWrite, type TransactItems } from './transact-items';

/**
 * The bulk import's writes across the catalog and inventory tables. The product repository
 * and the stock repository contribute their own writes (and keep their key layouts to
 * themselves); this adapter packs several products into each TransactWriteItems (100 writes
 * at most) and, when one is cancelled, uses the cancellation reasons: the products whose
 * conditions failed are reported as conflicts, the others are written again without them.
 */
const MAX_TRANSACTION_ITEMS = 100;
/**
 * Products are packed up to this many writes a transaction (one bigger product goes alone).
 * A transaction holds its items until it commits, and DynamoDB Local runs one at a time: at
 * 25 writes other requests wait ~30 ms for it instead of ~170 ms at 100, for ~20 % less
 * throughput (measured on a 2-core machine).
 */
const TARGET_TRANSACTION_ITEMS = 25;
const MAX_TRANSIENT_RETRIES = 6;
/** Reasons that say only "not now": the same writes are tried again. */
const TRANSIENT = new Set(['None', 'TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

type TransactItem = TransactItems[number];

interface Unit {
  /** Index of the write it belongs to. */
  readonly write: number;
  readonly items: readonly TransactItem[];
}

export function dynamoCatalogImportWriter(documents: DynamoDBDocumentClient, tables: { readonly catalog: string; readonly inventory: string }): CatalogImportWriter {
  const products = dynamoProductRepository(documents, tables.catalog);

  /** Sends the units in transactions of whole units; answers the indexes of the writes that met a failed condition. */
  async function commit(units: readonly Unit[]): Promise<Set<number>> {
    const conflicts = new Set<number>();
    let queue = [...units];
    let transientRetries = 0;
    while (queue.length > 0) {
      const batch: Unit[] = [];
      let size = 0;
      while (queue.length > batch.length && (batch.length === 0 || size + queue[batch.length]!.items.length <= TARGET_TRANSACTION_ITEMS)) {
        size += queue[batch.length]!.items.length;
        batch.push(queue[batch.length]!);
      }
      const rest = queue.slice(batch.length);
      try {
        await transactWrite(
          documents,
          batch.flatMap((u) => u.items),
        );
        queue = rest;
        transientRetries = 0;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons?.length) throw error;
        const reasons = error.CancellationReasons;
        let offset = 0;
        const again: Unit[] = [];
        for (const unit of batch) {
          const codes = reasons.slice(offset, offset + unit.items.length).map((r) => r.Code ?? 'None');
          offset += unit.items.length;
          if (codes.includes('ConditionalCheckFailed')) conflicts.add(unit.write);
          else if (codes.every((code) => TRANSIENT.has(code))) again.push(unit);
          else throw error;
        }
        if (again.length === batch.length) {
          // Nothing of ours failed: another transaction held an item, or the table throttled.
          if (++transientRetries > MAX_TRANSIENT_RETRIES || !(await pauseBeforeRetry(transientRetries + 1, { baseMs: 25, maxMs: 25 * 2 ** (MAX_TRANSIENT_RETRIES + 1) }))) throw error;
        }
        // A later unit of a write that conflicted (its catalog part after its stock part) is dropped too.
        queue = [...again, ...rest].filter((u) => !conflicts.has(u.write));
      }
    }
    return conflicts;
  }

  return {
    async skuOwners(shopId, skus) {
      const found = await products.variants(shopId, skus);
      return new Map([...found.values()].map((v) => [v.sku.toUpperCase(), v.productId]));
    },

    async products(shopId, productIds) {
      const items = await batchGetAll(
        documents,
        tables.catalog,
        [...new Set(productIds)].map((id) => productItemKey(shopId, id)),
      );
      return new Map(items.map((item) => [item.id as string, toImportedProduct(item)]));
    },

    async write(shopId, writes, context) {
      const movement = { movementId: `init_${context.importId}`, reference: context.importId, actor: context.actor, at: context.at };
      const units: Unit[] = [];
      writes.forEach((write: ImportWrite, index) => {
        const perSku = write.newStock.map((item) => initialStockWrites(tables.inventory, shopId, item, movement));
        const stock = perSku.flat();
        const catalog = write.previous
          ? productReplaceWrites(tables.catalog, write.previous, write.product, write.levels)
          : productCreateWrites(tables.catalog, write.product, write.levels, context.importId);
        if (stock.length + catalog.length <= MAX_TRANSACTION_ITEMS) {
          units.push({ write: index, items: [...stock, ...catalog] });
          return;
        }
        // Too big for one transaction: the counters go first (a product is never visible with SKUs that inventory does not know).
        // Each SKU's counters and ledger entry stay in one transaction.
        for (const items of perSku) units.push({ write: index, items });
        units.push({ write: index, items: catalog });
      });
      const conflicts = await commit(units);
      return writes.map((_, index) => (conflicts.has(index) ? 'conflict' : 'written'));
    },
  };
}
