import { NotFoundError } from '#shared/errors';
import type { ProductRepository, VariantSummary } from './catalog-ports';

/** What anyone may see of one SKU: its product, title, options and price (a flash sale's page names only its SKU). */
export type VariantView = Pick<VariantSummary, 'sku' | 'productId' | 'title' | 'price' | 'options'>;

/** One SKU's variant: one GetItem of the SKU's claim (`ProductRepository.variants`); NotFoundError when no product has it. */
export function makeFindVariant({ products }: { products: Pick<ProductRepository, 'variants'> }) {
  return async (shopId: string, sku: string): Promise<VariantView> => {
    // SKUs are claimed case-insensitively: the one answer is the SKU as its product spells it.
    const [found] = (await products.variants(shopId, [sku])).values();
    if (!found) throw new NotFoundError(`No product of shop ${shopId} has SKU ${sku}.`);
    return { sku: found.sku, productId: found.productId, title: found.title, price: found.price, options: found.options };
  };
}
