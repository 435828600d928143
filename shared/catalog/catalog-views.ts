import type { StoredProduct } from './catalog-ports';
import type { Availability, Money } from './product';
import type { SearchDocument } from './search-index';

/** The public product document (api.md: Product). */
export function productView({ product, availability }: StoredProduct) {
  return {
    id: product.id,
    shopId: product.shopId,
    title: product.title,
    description: product.description,
    brand: product.brand,
    category: product.category,
    images: product.images,
    rating: product.rating,
    options: product.options,
    variants: product.variants.map((v) => ({
      sku: v.sku,
      title: v.title,
      options: v.options,
      price: v.price,
      availability: availability[v.sku] ?? 'out_of_stock',
      ...(v.reserveOnAddToCart ? { reserveOnAddToCart: true } : {}),
    })),
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    version: product.version,
  };
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
    variants: product.variants.map((v) => ({
      sku: v.sku,
      title: v.title,
      options: v.options,
      price: v.price,
      availability: availability[v.sku] ?? 'out_of_stock',
    })),
  };
}
