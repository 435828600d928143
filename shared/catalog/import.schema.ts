import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, ShopId } from '#shared/http/schemas';
import { ProductInput } from './catalog.schema';
import { IMPORT_ERROR_CODES, MAX_IMPORT_BYTES, MAX_IMPORT_LINES, MAX_INITIAL_UNITS } from './product-import';
import { SKU_PATTERN } from './product';

/**
 * The bulk import: the contract of its two routes, and the schema of one NDJSON line (the
 * body of `POST …/admin/products` plus what only an import carries).
 */
export const ImportLineSchema = ProductInput.extend({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a product id')
    .optional()
    .meta({ description: "The product's id; by default derived from the shop and the product's lowest SKU" }),
  createdAt: IsoDateTime.optional().meta({ description: 'When the product was first offered (the `newest` sort); by default when it is first imported' }),
  initialStock: z
    .record(z.string().regex(SKU_PATTERN, 'a SKU of this line'), z.number().int().min(0).max(MAX_INITIAL_UNITS))
    .optional()
    .meta({ description: 'Units on hand per SKU, counted only for SKUs new to the shop (existing stock is never overwritten)' }),
}).meta({ id: 'ProductImportLine' });

export type ImportLine = z.output<typeof ImportLineSchema>;

const ImportId = z.string().regex(/^imp_[a-z0-9]{1,40}$/, 'an import id');

export const ImportStarted = z.object({ importId: z.string(), status: z.literal('running') }).meta({ id: 'ImportStarted' });

export const ImportStatusSchema = z
  .object({
    importId: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    total: z.number().int().meta({ description: 'Non-blank lines of the file' }),
    created: z.number().int(),
    updated: z.number().int().meta({ description: 'Lines whose SKUs already belonged to a product of the shop (including products already in that state)' }),
    failed: z.number().int(),
    errors: z.array(z.object({ line: z.number().int().meta({ description: '1-based line of the file' }), code: z.enum(IMPORT_ERROR_CODES), message: z.string() })),
    startedAt: IsoDateTime,
  })
  .meta({ id: 'ImportStatus' });

export const startImportContract = defineContract({
  operationId: 'importProducts',
  auth: 'admin',
  summary: `Bulk product import: NDJSON, one product per line (up to ${MAX_IMPORT_LINES.toLocaleString('en-US')} lines and ${MAX_IMPORT_BYTES / 2 ** 20} MiB; larger files: several imports)`,
  tags: ['catalog admin'],
  params: z.object({ shopId: ShopId }),
  body: z.string().meta({ description: 'One ProductImportLine (JSON) per line' }),
  bodyContentType: 'application/x-ndjson',
  maxBodyBytes: MAX_IMPORT_BYTES,
  idempotency: 'required',
  responses: { 202: { description: 'The import runs; follow it at …/imports/{importId}', schema: ImportStarted } },
  errors: [404, 413, 415],
});

export const getImportContract = defineContract({
  operationId: 'getProductImport',
  auth: 'admin',
  summary: 'Progress and outcome of a bulk import, with every refused line',
  tags: ['catalog admin'],
  params: z.object({ shopId: ShopId, importId: ImportId }),
  responses: { 200: { description: 'The import', schema: ImportStatusSchema } },
  errors: [404],
});
