import { createProductContract, deleteProductContract, getCategoryContract, getProductContract, patchProductContract, replaceProductContract, searchContract } from '#shared/catalog/catalog.schema';
import { getVariantContract } from '#shared/catalog/variant.schema';
import { getImportContract, startImportContract } from '#shared/catalog/import.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { catalogFunctions } from './catalog.functions';

/** The catalog's routes. Merged into ROUTES (functions/routes.ts). */
export const catalogRoutes: readonly Route[] = [
  // The read paths carry most of the traffic (and CloudFront absorbs most of that).
  route('GET', '/v1/shops/{shopId}/products/{productId}', catalogFunctions.getProduct, getProductContract, { rateLimit: 5000, burstLimit: 10000 }),
  route('GET', '/v1/shops/{shopId}/variants/{sku}', catalogFunctions.getVariant, getVariantContract, { rateLimit: 1000, burstLimit: 2000 }),
  route('GET', '/v1/shops/{shopId}/search', catalogFunctions.searchCatalog, searchContract, { rateLimit: 3000, burstLimit: 6000 }),
  route('GET', '/v1/shops/{shopId}/categories/{category}', catalogFunctions.getCategory, getCategoryContract, { rateLimit: 5000, burstLimit: 10000 }),
  route('POST', '/v1/shops/{shopId}/admin/products', catalogFunctions.createProduct, createProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('PUT', '/v1/shops/{shopId}/admin/products/{productId}', catalogFunctions.replaceProduct, replaceProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('PATCH', '/v1/shops/{shopId}/admin/products/{productId}', catalogFunctions.patchProduct, patchProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('DELETE', '/v1/shops/{shopId}/admin/products/{productId}', catalogFunctions.deleteProduct, deleteProductContract, { rateLimit: 100, burstLimit: 200 }),
  // Bulk import: a few uploads of up to 4 MiB, and their status polled about once a second.
  route('POST', '/v1/shops/{shopId}/admin/products/imports', catalogFunctions.startProductImport, startImportContract, { rateLimit: 10, burstLimit: 20 }),
  route('GET', '/v1/shops/{shopId}/admin/products/imports/{importId}', catalogFunctions.getProductImport, getImportContract, { rateLimit: 100, burstLimit: 200 }),
];
