import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoCatalogImportWriter } from '#shared/adapters/dynamodb/catalog-import-writer';
import { dynamoProductImportStore } from '#shared/adapters/dynamodb/product-import-store';
import { dynamoProductRepository } from '#shared/adapters/dynamodb/product-repository';
import { redisCatalogCache, reportCacheInvalidationFailure } from '#shared/adapters/redis/catalog-cache';
import { redis } from '#shared/adapters/redis/client';
import { sqs } from '#shared/adapters/sqs/client';
import { sqsImportQueue } from '#shared/adapters/sqs/import-queue';
import type { CatalogCache, CatalogImportWriter, ImportQueue, ImportStore, ProductRepository, ShopCurrency } from '#shared/catalog/catalog-ports';
import { makeManageProducts } from '#shared/catalog/manage-products';
import { queueUrl, tableName } from '#shared/config';
import { makeInitializeStock } from '#shared/inventory/adjust-stock';
import { makeStockLevels } from '#shared/inventory/stock-levels';
import { lazy } from '#shared/platform/memoize';
import { makeGetShop } from '#shared/platform/shops';
import { stockRepository } from '../inventory/inventory-wiring';
import { shopRepository } from '../platform/shops-wiring';

/**
 * The catalog's adapters, built once per cold start and only when a handler asks for
 * them (each function gets only the tables it uses).
 */

export const products = lazy((): ProductRepository => dynamoProductRepository(documents, tableName('catalog')));
export const catalogCache = lazy((): CatalogCache => redisCatalogCache(redis));
export const initializeStock = lazy(() => makeInitializeStock({ stock: stockRepository() }));
export const stockLevels = lazy(() => makeStockLevels({ stock: stockRepository() }));

export const shopCurrency = lazy((): ShopCurrency => {
  const getShop = makeGetShop({ shops: shopRepository() });
  const known = new Map<string, string>();
  return async (shopId) => {
    const currency = known.get(shopId) ?? (await getShop(shopId)).currency;
    known.set(shopId, currency);
    return currency;
  };
});

export const manageProducts = lazy(() =>
  makeManageProducts({ products: products(), cache: catalogCache(), initializeStock: initializeStock(), shopCurrency: shopCurrency(), onCacheInvalidationFailure: reportCacheInvalidationFailure }),
);

// The bulk import: its record and chunks, the queue of chunks, and the worker's writes.
export const importStore = lazy((): ImportStore => dynamoProductImportStore(documents, tableName('catalog')));
export const importQueue = lazy((): ImportQueue => sqsImportQueue(sqs, () => queueUrl('productImports')));
export const importWriter = lazy((): CatalogImportWriter => dynamoCatalogImportWriter(documents, { catalog: tableName('catalog'), inventory: tableName('inventory') }));
