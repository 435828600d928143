import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, PageQuery, ShopId } from '#shared/http/schemas';

const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'a SKU');
const SkuParams = z.object({ shopId: ShopId, sku: Sku });

export const StockSchema = z
  .object({
    sku: z.string(),
    onHand: z.number().int(),
    available: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int().meta({ description: 'Units of orders not yet shipped' }),
    lowStockThreshold: z.number().int(),
    version: z.number().int(),
  })
  .meta({ id: 'Stock' });

const Delta = z.object({ onHand: z.number().int(), available: z.number().int(), reserved: z.number().int(), sold: z.number().int() });

export const LedgerEntrySchema = z
  .object({
    sku: z.string(),
    type: z.string(),
    reason: z.string(),
    delta: Delta,
    reference: z.string().optional(),
    actor: z.string(),
    at: IsoDateTime,
    note: z.string().optional(),
  })
  .meta({ id: 'LedgerEntry' });

export const AdjustmentInput = z
  .strictObject({
    delta: z
      .number()
      .int()
      .refine((d) => d !== 0, 'a non-zero whole number of units')
      .refine((d) => Math.abs(d) <= 1_000_000, 'at most 1,000,000 units at once'),
    reason: z.enum(['restock', 'shrinkage', 'count_correction']),
    note: z.string().max(500).optional(),
  })
  .meta({ id: 'Adjustment' });

export const getStockContract = defineContract({
  operationId: 'getStock',
  auth: 'admin',
  summary: 'Stock counters of a SKU',
  tags: ['inventory admin'],
  params: SkuParams,
  responses: { 200: { description: 'The counters', schema: StockSchema } },
  errors: [404],
});

export const adjustStockContract = defineContract({
  operationId: 'adjustStock',
  auth: 'admin',
  summary: 'Restock, shrinkage or count correction of a SKU (a decrease below what is available is refused)',
  tags: ['inventory admin'],
  params: SkuParams,
  body: AdjustmentInput,
  idempotency: 'required',
  responses: { 201: { description: 'The counters after the adjustment', schema: StockSchema } },
  errors: [404, 409],
});

export const getLedgerContract = defineContract({
  operationId: 'getStockLedger',
  auth: 'admin',
  summary: 'The movements of a SKU, newest first',
  tags: ['inventory admin'],
  params: SkuParams,
  query: PageQuery,
  responses: { 200: { description: 'One page of movements', schema: z.object({ items: z.array(LedgerEntrySchema), nextCursor: z.string().optional() }) } },
  errors: [404],
});
