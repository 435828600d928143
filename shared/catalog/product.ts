import type { FieldError } from '#shared/errors';

/**
 * A product of a shop with its options and variants: each variant is one SKU for one
 * combination of option values (`{color: "blue", size: "10"}`), with its own price.
 * Stock lives in the inventory context; the catalog keeps only the availability level
 * that inventory reports, for display and search.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** `quantity` units of a SKU at its variant's price: the one place a line is priced (cart, checkout, flash-sale holds). */
export interface PricedLine {
  readonly sku: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly lineTotal: Money;
}

export function priceLine(line: { readonly sku: string; readonly quantity: number }, variant: Pick<Variant, 'title' | 'price'>): PricedLine {
  return {
    sku: line.sku,
    title: variant.title,
    quantity: line.quantity,
    unitPrice: variant.price,
    lineTotal: { amount: variant.price.amount * line.quantity, currency: variant.price.currency },
  };
}

/** The level inventory reports for a SKU (inventory owns the rule that computes it). */
export type { Availability } from '#shared/inventory/stock';

export interface ProductOption {
  readonly name: string;
  readonly values: readonly string[];
}

export interface Variant {
  readonly sku: string;
  readonly title: string;
  readonly options: Readonly<Record<string, string>>;
  readonly price: Money;
  /** Limited editions: adding to the cart holds stock for 15 minutes. */
  readonly reserveOnAddToCart: boolean;
}

export interface ProductDraft {
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  readonly category: string;
  readonly images: readonly string[];
  readonly rating: number;
  readonly options: readonly ProductOption[];
  readonly variants: readonly VariantDraft[];
}

export interface VariantDraft {
  readonly sku: string;
  readonly title?: string;
  readonly options: Readonly<Record<string, string>>;
  readonly price: Money;
  readonly reserveOnAddToCart?: boolean;
}

/** A product as stored: its draft's content, with its variants complete, its identity and its versioning. */
export interface Product extends Omit<ProductDraft, 'variants'> {
  readonly id: string;
  readonly shopId: string;
  readonly variants: readonly Variant[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Incremented by every change; writes are conditional on it. */
  readonly version: number;
}

/** A product's own fields and nothing else (a stored item or a document read back may carry more). */
export function productOf(product: Product): Product {
  const { id, shopId, title, description, brand, category, images, rating, options, variants, createdAt, updatedAt, version } = product;
  return { id, shopId, title, description, brand, category, images, rating, options, variants, createdAt, updatedAt, version };
}

/** One DynamoDB transaction writes the product and a claim per SKU, old and new: 1 + 2 × 49 ≤ 100. */
export const MAX_VARIANTS = 49;
export const MAX_OPTIONS = 3;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
export const CATEGORY_PATTERN = /^[a-z0-9][a-z0-9-]{0,59}$/;
export const OPTION_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,29}$/;

/**
 * Every rule a product must satisfy beyond its shape, all reported at once:
 * option names and values unique, each variant naming exactly the product's options with
 * listed values, one SKU per combination, SKUs unique, prices in the shop's currency.
 */
export function productProblems(draft: ProductDraft, shopCurrency?: string): FieldError[] {
  const problems: FieldError[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const optionNames = new Set<string>();
  draft.options.forEach((option, i) => {
    if (optionNames.has(option.name)) add(`options.${i}.name`, `option \`${option.name}\` is listed twice`);
    optionNames.add(option.name);
    const seen = new Set<string>();
    option.values.forEach((value, j) => {
      if (seen.has(value)) add(`options.${i}.values.${j}`, `value \`${value}\` is listed twice`);
      seen.add(value);
    });
  });

  const skus = new Map<string, number>();
  const combinations = new Map<string, number>();
  draft.variants.forEach((variant, i) => {
    const previous = skus.get(variant.sku.toUpperCase());
    if (previous !== undefined) add(`variants.${i}.sku`, `SKU \`${variant.sku}\` is also variant ${previous}`);
    skus.set(variant.sku.toUpperCase(), i);

    for (const name of Object.keys(variant.options)) {
      if (!optionNames.has(name)) add(`variants.${i}.options.${name}`, `the product has no option \`${name}\``);
    }
    for (const option of draft.options) {
      const value = variant.options[option.name];
      if (value === undefined) add(`variants.${i}.options.${option.name}`, `required: one of ${option.values.join(', ')}`);
      else if (!option.values.includes(value)) add(`variants.${i}.options.${option.name}`, `\`${value}\` is not one of ${option.values.join(', ')}`);
    }
    const combination = draft.options.map((o) => variant.options[o.name] ?? '').join('\u0000');
    const same = combinations.get(combination);
    if (same !== undefined && draft.options.length > 0) add(`variants.${i}.options`, `the same option values as variant ${same}: one SKU per combination`);
    combinations.set(combination, i);

    if (shopCurrency && variant.price.currency !== shopCurrency) {
      add(`variants.${i}.price.currency`, `prices of this shop are in ${shopCurrency}`);
    }
  });
  if (draft.options.length === 0 && draft.variants.length > 1) {
    add('variants', 'a product without options has exactly one variant');
  }
  return problems;
}

export function variantTitle(productTitle: string, options: Readonly<Record<string, string>>, order: readonly ProductOption[]): string {
  const values = order.map((o) => options[o.name]).filter(Boolean);
  return values.length > 0 ? `${productTitle} - ${values.join(' / ')}` : productTitle;
}

export function buildProduct(draft: ProductDraft, identity: { id: string; shopId: string; createdAt: string; updatedAt: string; version: number }): Product {
  return {
    ...identity,
    title: draft.title,
    description: draft.description,
    brand: draft.brand,
    category: draft.category,
    images: [...draft.images],
    rating: draft.rating,
    options: draft.options.map((o) => ({ name: o.name, values: [...o.values] })),
    variants: draft.variants.map((v) => ({
      sku: v.sku,
      title: v.title ?? variantTitle(draft.title, v.options, draft.options),
      options: { ...v.options },
      price: { ...v.price },
      reserveOnAddToCart: v.reserveOnAddToCart ?? false,
    })),
  };
}

export function toDraft(product: Product): ProductDraft {
  const { title, description, brand, category, images, rating, options, variants } = product;
  return { title, description, brand, category, images, rating, options, variants };
}
