import type { StreamChange } from '#shared/adapters/dynamodb/stream-records';
import type { ProductChange } from '#shared/catalog/catalog-projections';

/** The product a catalog stream record is about, or undefined for SKU claims and other items. */
export function productChange(change: StreamChange): ProductChange | undefined {
  const image = change.newImage ?? change.oldImage;
  if (image?.entity !== 'product') return undefined;
  const describe = (item: Record<string, unknown> | undefined) => {
    if (!item) return undefined;
    const variants = (item.variants as Array<{ sku: string }> | undefined) ?? [];
    return { category: item.category as string, skus: variants.map((v) => v.sku), withLevel: Object.keys((item.availability as object | undefined) ?? {}) };
  };
  const before = describe(change.oldImage);
  const after = describe(change.eventName === 'REMOVE' ? undefined : change.newImage);
  return {
    shopId: image.shopId as string,
    productId: image.id as string,
    ...(before ? { before: { category: before.category, skus: before.skus } } : {}),
    ...(after ? { after: { category: after.category, skus: after.skus, skusWithLevel: after.withLevel } } : {}),
  };
}
