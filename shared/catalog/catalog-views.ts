import type { StoredProduct } from './catalog-ports';
import { productOf, type Availability, type Money, type Variant } from './product';
import type { SearchDocument } from './search-index';

/** The public product document (api.md: Product). */
export function productView({ product, availability }: StoredProduct) {
  return {
    ...productOf(product),
    variants: product.variants.map((v) => ({ ...variantView(v, availability), ...(v.reserveOnAddToCart ? { reserveOnAddToCart: true } : {}) })),
  };
}

/** A variant as shown and indexed: its price and its SKU's availability (out of stock when none is recorded). */
function variantView(variant: Variant, availability: StoredProduct['availability']) {
  return { sku: variant.sku, title: variant.title, options: variant.options, price: variant.price, availability: availability[variant.sku] ?? 'out_of_stock' };
}

export type ProductView = ReturnType<typeof productView>;

const RANK: Record<Availability, number> = { in_stock: 2, low_stock: 1, out_of_stock: 0 };

/** A product in a category listing: the lowest price and the best availability of its variants. */
export function listingItem(stored: StoredProduct) {
  const { product, availability } = stored;
  const prices = product.variants.map((v) => v.price);
  const lowest = prices.reduce<Money | undefined>((min, p) => (!min || p.amount < min.amount ? p : min), undefined);
  const best = product.variants.reduce<Availability>((acc, v) => {
    const level = availability[v.sku] ?? 'out_of_stock';
    return RANK[level] > RANK[acc] ? level : acc;
  }, 'out_of_stock');
  return {
    productId: product.id,
    title: product.title,
    brand: product.brand,
    category: product.category,
    rating: product.rating,
    ...(product.images[0] ? { image: product.images[0] } : {}),
    price: lowest,
    availability: best,
  };
}

export function searchDocument({ product, availability }: StoredProduct): SearchDocument {
  return {
    shopId: product.shopId,
    productId: product.id,
    title: product.title,
    description: product.description,
    brand: product.brand,
    category: product.category,
    rating: product.rating,
    ...(product.images[0] ? { image: product.images[0] } : {}),
    createdAt: product.createdAt,
    variants: product.variants.map((v) => variantView(v, availability)),
  };
}
