import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, PageQuery, ShopId } from '#shared/http/schemas';
import { CATEGORY_PATTERN, MAX_OPTIONS, MAX_VARIANTS, OPTION_NAME_PATTERN, SKU_PATTERN } from './product';
import { PRICE_RANGES } from './search-index';

const Price = z
  .object({
    amount: z.number().int().positive().max(100_000_000).meta({ description: 'Integer minor units' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
  })
  .meta({ id: 'Price' });

const Availability = z.enum(['in_stock', 'low_stock', 'out_of_stock']);
const Category = z.string().regex(CATEGORY_PATTERN, 'lowercase letters, digits and hyphens, e.g. running-shoes');
const ProductId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a product id');

export const ProductOptionSchema = z.strictObject({
  name: z.string().regex(OPTION_NAME_PATTERN, 'lowercase, starting with a letter, e.g. color'),
  values: z.array(z.string().trim().min(1).max(50)).min(1).max(100),
});

export const VariantInput = z.strictObject({
  sku: z.string().regex(SKU_PATTERN, '2-64 letters, digits, dots, hyphens or underscores'),
  title: z.string().trim().min(1).max(250).optional(),
  options: z.record(z.string(), z.string().trim().min(1).max(50)).default({}),
  price: Price,
  reserveOnAddToCart: z.boolean().optional().meta({ description: 'Limited edition: adding to the cart holds stock for 15 minutes' }),
});

const productFields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000),
  brand: z.string().trim().min(1).max(80),
  category: Category,
  images: z.array(z.url({ protocol: /^https?$/ }).max(2048)).max(20),
  rating: z.number().min(0).max(5),
  options: z.array(ProductOptionSchema).max(MAX_OPTIONS),
  variants: z.array(VariantInput).min(1).max(MAX_VARIANTS),
};

export const ProductInput = z
  .strictObject({
    ...productFields,
    description: productFields.description.default(''),
    images: productFields.images.default([]),
    rating: productFields.rating.default(0),
    options: productFields.options.default([]),
  })
  .meta({ id: 'ProductInput' });

export const ProductPatchInput = z
  .strictObject(Object.fromEntries(Object.entries(productFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof productFields]: z.ZodOptional<(typeof productFields)[K]> })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'change at least one field' })
  .meta({ id: 'ProductPatch' });

export const ProductSchema = z
  .object({
    id: z.string(),
    shopId: z.string(),
    title: z.string(),
    description: z.string(),
    brand: z.string(),
    category: z.string(),
    images: z.array(z.string()),
    rating: z.number(),
    options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
    variants: z.array(
      z.object({
        sku: z.string(),
        title: z.string(),
        options: z.record(z.string(), z.string()),
        price: Price,
        availability: Availability,
        reserveOnAddToCart: z.boolean().optional(),
      }),
    ),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    version: z.number().int(),
  })
  .meta({ id: 'Product' });

const ProductParams = z.object({ shopId: ShopId, productId: ProductId });

export const getProductContract = defineContract({
  operationId: 'getProduct',
  auth: 'public',
  summary: 'A product with its variants and their availability (CDN-cacheable, ETag)',
  tags: ['catalog'],
  params: ProductParams,
  responses: { 200: { description: 'The product', schema: ProductSchema }, 304: { description: 'Not modified (If-None-Match)' } },
  errors: [404],
});

const csv = z
  .string()
  .max(500)
  .transform((value) =>
    value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  );

export const SearchQuerySchema = z.object({
  q: z.string().max(200).optional(),
  category: Category.optional(),
  brand: csv.optional().meta({ description: 'Repeatable; API Gateway joins repeats with commas' }),
  color: z.string().max(50).optional(),
  size: z.string().max(50).optional(),
  priceMin: z.coerce.number().int().nonnegative().optional(),
  priceMax: z.coerce.number().int().nonnegative().optional(),
  ratingMin: z.coerce.number().min(0).max(5).optional(),
  inStock: z.enum(['true', 'false']).optional(),
  sort: z.enum(['relevance', 'price_asc', 'price_desc', 'rating', 'newest']).default('relevance'),
  page: z.coerce.number().int().min(1).max(1000).default(1),
  pageSize: z.coerce.number().int().min(1).max(50).default(10),
});

const FacetValues = z.array(z.object({ value: z.string(), count: z.number().int() }));

export const SearchResponse = z
  .object({
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    hits: z.array(
      z.object({
        productId: z.string(),
        sku: z.string(),
        title: z.string(),
        brand: z.string(),
        category: z.string(),
        price: Price,
        rating: z.number(),
        image: z.string().optional(),
        availability: Availability,
        score: z.number(),
      }),
    ),
    facets: z.object({
      brand: FacetValues,
      category: FacetValues,
      color: FacetValues,
      size: FacetValues,
      price: z.array(z.object({ from: z.number().int(), to: z.number().int().optional(), count: z.number().int() })).meta({
        description: `Minor-unit ranges, 'to' exclusive: ${PRICE_RANGES.map((r) => `${r.from}-${r.to ?? ''}`).join(', ')}`,
      }),
      rating: z.array(z.object({ min: z.number(), count: z.number().int() })),
    }),
  })
  .meta({ id: 'SearchResults' });

export const searchContract = defineContract({
  operationId: 'searchCatalog',
  auth: 'public',
  summary: 'Full-text search with facets; free text may name colors, sizes and brands',
  tags: ['catalog'],
  params: z.object({ shopId: ShopId }),
  query: SearchQuerySchema,
  responses: { 200: { description: 'Results with facet counts', schema: SearchResponse } },
});

export const CategoryPage = z
  .object({
    category: z.string(),
    items: z.array(
      z.object({
        productId: z.string(),
        title: z.string(),
        brand: z.string(),
        category: z.string(),
        rating: z.number(),
        image: z.string().optional(),
        price: Price.optional().meta({ description: 'The lowest variant price' }),
        availability: Availability.meta({ description: 'The best availability among the variants' }),
      }),
    ),
    nextCursor: z.string().optional(),
  })
  .meta({ id: 'CategoryPage' });

export const getCategoryContract = defineContract({
  operationId: 'getCategoryPage',
  auth: 'public',
  summary: 'A category listing (best rated, then newest), paged, cached',
  tags: ['catalog'],
  params: z.object({ shopId: ShopId, category: Category }),
  query: PageQuery,
  responses: { 200: { description: 'One page of the listing', schema: CategoryPage }, 304: { description: 'Not modified (If-None-Match)' } },
});

export const createProductContract = defineContract({
  operationId: 'createProduct',
  auth: 'admin',
  summary: 'Create a product with its variants (inventory counters start at zero)',
  tags: ['catalog admin'],
  params: z.object({ shopId: ShopId }),
  body: ProductInput,
  responses: { 201: { description: 'The product', schema: ProductSchema } },
  errors: [404],
});

export const replaceProductContract = defineContract({
  operationId: 'replaceProduct',
  auth: 'admin',
  summary: 'Replace a product',
  tags: ['catalog admin'],
  params: ProductParams,
  body: ProductInput,
  responses: { 200: { description: 'The product', schema: ProductSchema } },
  errors: [404, 409],
});

export const patchProductContract = defineContract({
  operationId: 'patchProduct',
  auth: 'admin',
  summary: 'Change some fields of a product (variants, when sent, are replaced as a whole)',
  tags: ['catalog admin'],
  params: ProductParams,
  body: ProductPatchInput,
  responses: { 200: { description: 'The product', schema: ProductSchema } },
  errors: [404, 409],
});

export const deleteProductContract = defineContract({
  operationId: 'deleteProduct',
  auth: 'admin',
  summary: 'Remove a product (its stock records and ledger stay)',
  tags: ['catalog admin'],
  params: ProductParams,
  responses: { 204: { description: 'Removed' } },
  errors: [404, 409],
});
