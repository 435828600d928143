import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { ShopId } from '#shared/http/schemas';
import { SKU_PATTERN } from './product';

const VariantViewSchema = z
  .object({
    sku: z.string(),
    productId: z.string(),
    title: z.string(),
    price: z.object({ amount: z.number().int().meta({ description: 'Integer minor units' }), currency: z.string() }),
    options: z.record(z.string(), z.string()),
  })
  .meta({ id: 'VariantView' });

export const getVariantContract = defineContract({
  operationId: 'getVariant',
  auth: 'public',
  summary: 'One SKU: its product, title, options and price (what a flash sale’s page shows of its SKU)',
  tags: ['catalog'],
  params: z.object({ shopId: ShopId, sku: z.string().regex(SKU_PATTERN, 'a SKU') }),
  responses: { 200: { description: 'The variant', schema: VariantViewSchema } },
  errors: [404],
});
