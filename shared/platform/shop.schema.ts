import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, ShopParams } from '#shared/http/schemas';

export const ShopResponse = z
  .object({
    shopId: z.string(),
    name: z.string(),
    currency: z.string(),
    supportEmail: z.email().optional(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime.optional(),
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

export const UpdateShopBody = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    supportEmail: z.email().max(254).optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'change at least one of name, supportEmail' })
  .meta({ id: 'UpdateShop' });

export const updateShopContract = defineContract({
  operationId: 'updateShopProfile',
  auth: 'admin',
  summary: "Change the shop's name or support email",
  tags: ['shops'],
  params: ShopParams,
  body: UpdateShopBody,
  responses: { 200: { description: 'The changed shop', schema: ShopResponse } },
  errors: [404],
});
