import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ProductChangedError, SkuTakenError } from '#shared/catalog/catalog-errors';
import type { ImportedProduct, ProductRepository, StockLevel, StoredProduct, VariantSummary } from '#shared/catalog/catalog-ports';
import { productOf, type Availability, type Product, type Variant } from '#shared/catalog/product';
import { batchGetAll } from './batch-get';
import { decodeCursor, encodeCursor } from './cursor';
import { putNew, transactWrite } from './transact-items';

/**
 * Catalog table layout:
 *   pk `PRODUCT#<shop>#<productId>` sk `PRODUCT`  the product, its `availability` map
 *      (sku → {level, version}) and, for the category listing, gsi1pk `CATEGORY#<shop>#<category>`
 *      with gsi1sk `<rating rank>#<age rank>#<productId>` (best rated, then newest, first)
 *   pk `SKU#<shop>#<SKU upper case>` sk `SKU`     the claim that makes a SKU unique in its shop,
 *      with what other contexts need to price it (the cart)
 * A product and its SKU claims change in one transaction. Availability updates touch only
 * the map, so they never collide with a merchant's edit (which is conditional on `version`).
 */
const productKey = (shopId: string, productId: string) => ({ pk: `PRODUCT#${shopId}#${productId}`, sk: 'PRODUCT' });
const skuKey = (shopId: string, sku: string) => ({ pk: `SKU#${shopId}#${sku.toUpperCase()}`, sk: 'SKU' });
const categoryKey = (shopId: string, category: string) => `CATEGORY#${shopId}#${category}`;

function listingRank(product: Product): string {
  const rating = String(5000 - Math.round(product.rating * 1000)).padStart(4, '0');
  const age = String(9_999_999_999_999 - Date.parse(product.createdAt)).padStart(13, '0');
  return `${rating}#${age}#${product.id}`;
}

function productFields(product: Product) {
  return {
    entity: 'product',
    ...productOf(product),
    gsi1pk: categoryKey(product.shopId, product.category),
    gsi1sk: listingRank(product),
  };
}

function skuClaim(product: Product, variant: Variant) {
  return {
    ...skuKey(product.shopId, variant.sku),
    entity: 'sku',
    shopId: product.shopId,
    sku: variant.sku,
    productId: product.id,
    title: variant.title,
    price: variant.price,
    options: variant.options,
    reserveOnAddToCart: variant.reserveOnAddToCart,
  };
}

export function toStoredProduct(item: Record<string, unknown>): StoredProduct {
  const product: Product = {
    id: item.id as string,
    shopId: item.shopId as string,
    title: item.title as string,
    description: item.description as string,
    brand: item.brand as string,
    category: item.category as string,
    images: (item.images as string[]) ?? [],
    rating: Number(item.rating),
    options: (item.options as Product['options']) ?? [],
    variants: (item.variants as Variant[]) ?? [],
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: Number(item.version),
  };
  const recorded = (item.availability ?? {}) as Record<string, { level: Availability }>;
  const availability: Record<string, Availability> = {};
  for (const variant of product.variants) availability[variant.sku] = recorded[variant.sku]?.level ?? 'out_of_stock';
  return { product, availability };
}

export function dynamoProductRepository(documents: DynamoDBDocumentClient, tableName: string): ProductRepository {
  async function owners(shopId: string, skus: readonly string[]): Promise<Map<string, string>> {
    const found = await repository.variants(shopId, skus);
    return new Map([...found.values()].map((v) => [v.sku.toUpperCase(), v.productId]));
  }

  async function skuConflicts(product: Product, candidates: readonly Variant[]): Promise<SkuTakenError | undefined> {
    const taken = await owners(
      product.shopId,
      candidates.map((v) => v.sku),
    );
    const conflicts = product.variants
      .map((v, index) => ({ sku: v.sku, index, productId: taken.get(v.sku.toUpperCase()) }))
      .filter((c): c is { sku: string; index: number; productId: string } => c.productId !== undefined && c.productId !== product.id);
    return conflicts.length > 0 ? new SkuTakenError(conflicts) : undefined;
  }

  const repository: ProductRepository = {
    async get(shopId, productId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: productKey(shopId, productId) }));
      return Item ? toStoredProduct(Item) : undefined;
    },

    async create(product) {
      try {
        await transactWrite(documents, [
          putNew(tableName, { ...productKey(product.shopId, product.id), ...productFields(product), availability: {} }),
          ...product.variants.map((variant) => putNew(tableName, skuClaim(product, variant))),
        ]);
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const conflict = await skuConflicts(product, product.variants);
          if (conflict) throw conflict;
        }
        throw error;
      }
    },

    async replace(previous, next) {
      try {
        // The same writes as an import's update, with no level to record (next keeps previous's createdAt).
        await transactWrite(documents, productReplaceWrites(tableName, previous, next, {}));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') throw new ProductChangedError(previous.id);
        const conflict = await skuConflicts(next, next.variants);
        if (conflict) throw conflict;
        throw error;
      }
    },

    async delete(product) {
      try {
        await transactWrite(documents, [
          {
            Delete: {
              TableName: tableName,
              Key: productKey(product.shopId, product.id),
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': product.version },
            },
          },
          ...product.variants.map((v) => ({
            Delete: {
              TableName: tableName,
              Key: skuKey(product.shopId, v.sku),
              ConditionExpression: 'attribute_not_exists(pk) OR productId = :id',
              ExpressionAttributeValues: { ':id': product.id },
            },
          })),
        ]);
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
          throw new ProductChangedError(product.id);
        }
        throw error;
      }
    },

    async listCategory(shopId, category, { limit, cursor }) {
      const gsi1pk = categoryKey(shopId, category);
      const { Items, LastEvaluatedKey } = await documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': gsi1pk },
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, { gsi1pk }) } : {}),
        }),
      );
      return { items: (Items ?? []).map(toStoredProduct), ...(LastEvaluatedKey ? { nextCursor: encodeCursor(LastEvaluatedKey) } : {}) };
    },

    async setAvailability(shopId, sku, level, version) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: skuKey(shopId, sku) }));
      if (!Item) return undefined;
      const productId = Item.productId as string;
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: productKey(shopId, productId),
            UpdateExpression: 'SET availability.#sku = :entry',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(availability.#sku) OR availability.#sku.version < :version)',
            ExpressionAttributeNames: { '#sku': Item.sku as string },
            ExpressionAttributeValues: { ':entry': { level, version }, ':version': version },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // stale or deleted: nothing to do
      }
      return productId;
    },

    async backfillAvailability(shopId, productId, levels) {
      const entries = [...levels.entries()];
      if (entries.length === 0) return;
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: productKey(shopId, productId),
            // if_not_exists: a level recorded meanwhile by an event is newer than this read.
            UpdateExpression: `SET ${entries.map((_, i) => `availability.#s${i} = if_not_exists(availability.#s${i}, :e${i})`).join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: Object.fromEntries(entries.map(([sku], i) => [`#s${i}`, sku])),
            ExpressionAttributeValues: Object.fromEntries(entries.map(([, entry], i) => [`:e${i}`, entry])),
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // deleted meanwhile
      }
    },

    async variants(shopId, skus) {
      const keys = [...new Set(skus.map((s) => s.toUpperCase()))].map((sku) => skuKey(shopId, sku));
      const items = await batchGetAll(documents, tableName, keys);
      return new Map(
        items.map((item) => [
          item.sku as string,
          {
            shopId,
            sku: item.sku as string,
            productId: item.productId as string,
            title: item.title as string,
            price: item.price as VariantSummary['price'],
            options: item.options as VariantSummary['options'],
            reserveOnAddToCart: Boolean(item.reserveOnAddToCart),
          },
        ]),
      );
    },

    async *scanAll() {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'entity = :product',
            ExpressionAttributeValues: { ':product': 'product' },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        if (page.Items?.length) yield page.Items.map(toStoredProduct);
        start = page.LastEvaluatedKey;
      } while (start);
    },
  };
  return repository;
}

// Writes of whole products for transactions of several products (the bulk import), in the
// layout above.

type Levels = Readonly<Record<string, StockLevel>>;

export const productItemKey = productKey;

/** Creates a product with its SKU claims and the levels of its SKUs; a claim may already name this product. */
export function productCreateWrites(tableName: string, product: Product, levels: Levels, createdByImport?: string) {
  return [
    putNew(tableName, { ...productKey(product.shopId, product.id), ...productFields(product), availability: levels, ...(createdByImport ? { createdByImport } : {}) }),
    ...product.variants.map((variant) => ({
      Put: {
        TableName: tableName,
        Item: skuClaim(product, variant),
        ConditionExpression: 'attribute_not_exists(pk) OR productId = :id',
        ExpressionAttributeValues: { ':id': product.id },
      },
    })),
  ];
}

/** Replaces `previous` with `next` (conditional on its version) and its claims, recording levels for SKUs that have none. */
export function productReplaceWrites(tableName: string, previous: Product, next: Product, levels: Levels) {
  const nextSkus = new Set(next.variants.map((v) => v.sku.toUpperCase()));
  const previousSkus = new Set(previous.variants.map((v) => v.sku.toUpperCase()));
  const fields = Object.entries(productFields(next)).filter(([name]) => name !== 'id' && name !== 'shopId');
  const recorded = Object.entries(levels);
  return [
    {
      Update: {
        TableName: tableName,
        Key: productKey(previous.shopId, previous.id),
        UpdateExpression: `SET ${[
          ...fields.map(([name]) => `#${name} = :${name}`),
          // if_not_exists: a level recorded meanwhile by an inventory event is newer.
          ...recorded.map((_, i) => `availability.#l${i} = if_not_exists(availability.#l${i}, :l${i})`),
        ].join(', ')}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { ...Object.fromEntries(fields.map(([name]) => [`#${name}`, name])), ...Object.fromEntries(recorded.map(([sku], i) => [`#l${i}`, sku])) },
        ExpressionAttributeValues: {
          ...Object.fromEntries(fields.map(([name, value]) => [`:${name}`, value])),
          ...Object.fromEntries(recorded.map(([, level], i) => [`:l${i}`, level])),
          ':expected': previous.version,
        },
      },
    },
    ...previous.variants
      .filter((v) => !nextSkus.has(v.sku.toUpperCase()))
      .map((v) => ({
        Delete: { TableName: tableName, Key: skuKey(previous.shopId, v.sku), ConditionExpression: 'productId = :id', ExpressionAttributeValues: { ':id': previous.id } },
      })),
    ...next.variants.map((v) => ({
      Put: {
        TableName: tableName,
        Item: skuClaim(next, v),
        ConditionExpression: previousSkus.has(v.sku.toUpperCase()) ? 'productId = :id' : 'attribute_not_exists(pk) OR productId = :id',
        ExpressionAttributeValues: { ':id': next.id },
      },
    })),
  ];
}

/** A stored product as the import sees it: with the levels it records and the import that created it. */
export function toImportedProduct(item: Record<string, unknown>): ImportedProduct {
  const { product } = toStoredProduct(item);
  return {
    product,
    levels: (item.availability ?? {}) as Levels,
    ...(typeof item.createdByImport === 'string' ? { createdByImport: item.createdByImport } : {}),
  };
}
