import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, ShopParams } from '#shared/http/schemas';

export const ShopResponse = z
  .object({
    shopId: z.string(),
    name: z.string(),
    currency: z.string(),
    createdAt: IsoDateTime,
  })
  .meta({ id: 'Shop' });

export const getShopContract = defineContract({
  operationId: 'getShop',
  auth: 'public',
  summary: 'Public profile of a shop',
  tags: ['shops'],
  params: ShopParams,
  responses: { 200: { description: 'The shop', schema: ShopResponse } },
  errors: [404],
});
