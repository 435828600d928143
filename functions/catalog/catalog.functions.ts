import { defineFunctions } from '../define';
import type { FunctionSpec } from '../definitions';

/** The catalog functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const catalogFunctions = defineFunctions({
  getProduct: {
    id: 'GetProduct',
    entry: 'functions/catalog/get-product.handler.ts',
    description: 'GET product page, from the Redis page cache (ETag, Cache-Control).',
    uses: { tables: { catalog: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  getVariant: {
    id: 'GetVariant',
    entry: 'functions/catalog/get-variant.handler.ts',
    description: 'GET one SKU: its product, title and price (one GetItem).',
    uses: { tables: { catalog: 'read' } },
    timeoutSeconds: 5,
  },
  searchCatalog: {
    id: 'SearchCatalog',
    entry: 'functions/catalog/search.handler.ts',
    description: 'GET search: full text with facets.',
    uses: { search: 'read' },
    memoryMb: 1024,
    timeoutSeconds: 5,
  },
  getCategory: {
    id: 'GetCategory',
    entry: 'functions/catalog/get-category.handler.ts',
    description: 'GET category page: precomputed listing from the category index, cached.',
    uses: { tables: { catalog: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  createProduct: {
    id: 'CreateProduct',
    entry: 'functions/catalog/create-product.handler.ts',
    description: 'Merchant: create a product with variants and zero stock counters.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // Merchant writes: the route's 200/s at ~50 ms a transaction is ~10 in flight; bulk loads use the import.
    maxConcurrency: 20,
  },
  replaceProduct: {
    id: 'ReplaceProduct',
    entry: 'functions/catalog/replace-product.handler.ts',
    description: 'Merchant: replace a product.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // As createProduct.
    maxConcurrency: 20,
  },
  patchProduct: {
    id: 'PatchProduct',
    entry: 'functions/catalog/patch-product.handler.ts',
    description: 'Merchant: change some fields of a product.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // As createProduct.
    maxConcurrency: 20,
  },
  deleteProduct: {
    id: 'DeleteProduct',
    entry: 'functions/catalog/delete-product.handler.ts',
    description: 'Merchant: remove a product.',
    uses: { tables: { catalog: 'readWrite' }, redis: true },
    // The route's 100/s at ~50 ms is ~5 in flight.
    maxConcurrency: 10,
  },
  indexCatalog: {
    id: 'IndexCatalog',
    entry: 'functions/catalog/index-catalog.handler.ts',
    description: 'Catalog stream to search index (the last version of each changed product).',
    uses: { tables: { catalog: 'read' }, streams: ['catalog'], search: 'write' },
    timeoutSeconds: 60,
  },
  projectCatalog: {
    id: 'ProjectCatalog',
    entry: 'functions/catalog/project-catalog.handler.ts',
    description: 'Catalog stream to page cache and category invalidation, stock counters for new SKUs, availability backfill.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite' }, streams: ['catalog'], redis: true },
    timeoutSeconds: 60,
  },
  recordAvailability: {
    id: 'RecordAvailability',
    entry: 'functions/catalog/record-availability.handler.ts',
    description: 'Inventory level events to availability shown by the catalog.',
    uses: { tables: { catalog: 'readWrite' } },
  },
  startProductImport: {
    id: 'StartProductImport',
    entry: 'functions/catalog/start-import.handler.ts',
    description: 'Merchant: bulk product import (NDJSON, Idempotency-Key): records the import and queues its lines in chunks.',
    uses: { tables: { catalog: 'readWrite', shops: 'read', idempotency: 'readWrite' }, queues: { productImports: 'send' } },
    memoryMb: 1024,
    // API Gateway's HTTP integrations end at 29 s.
    timeoutSeconds: 29,
    // A merchant's upload now and then; each reads up to 4 MiB.
    maxConcurrency: 5,
  },
  getProductImport: {
    id: 'GetProductImport',
    entry: 'functions/catalog/get-import.handler.ts',
    description: 'Merchant: progress and refused lines of a bulk import.',
    uses: { tables: { catalog: 'read' } },
    timeoutSeconds: 5,
    // Polled by the merchant's console or script, about once a second per import.
    maxConcurrency: 10,
  },
  importProductChunks: {
    id: 'ImportProductChunks',
    entry: 'functions/catalog/import-chunk.handler.ts',
    description: 'Import worker: writes one chunk of an import (products, SKU claims, initial counts with their ledger entries, availability) and counts it once.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite' }, queues: { productImports: 'consume' } },
    memoryMb: 1024,
    timeoutSeconds: 60,
  },
});

/**
 * The search domain's setup (a CloudFormation custom resource: fine-grained access control roles
 * and mappings, and the index). Not an HTTP or event handler, so not in FUNCTIONS: lib/search.ts
 * deploys it with the domain, as its master user, in the VPC.
 */
export const searchSetupFunction: FunctionSpec = {
  id: 'SearchSetup',
  entry: 'functions/catalog/search-setup.handler.ts',
  description: 'Custom resource: fine-grained access control roles and mappings of the search domain, and its index.',
  uses: {},
  memoryMb: 256,
  timeoutSeconds: 300,
};
