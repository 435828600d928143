import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, ShopId, ShopParams } from '#shared/http/schemas';
import { canonicalTimeZone, SHOP_NAME_MAX, SUPPORTED_CURRENCIES } from './shops';

export const ShopResponse = z
  .object({
    shopId: z.string(),
    name: z.string(),
    currency: z.string(),
    timezone: z.string().meta({ description: 'IANA time zone', example: 'Europe/Paris' }),
    supportEmail: z.email().optional(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime.optional(),
  })
  .meta({ id: 'Shop' });

export const getShopContract = defineContract({
  operationId: 'getShop',
  auth: 'public',
  summary: 'Public profile of a shop (cacheable, ETag)',
  tags: ['shops'],
  params: ShopParams,
  responses: { 200: { description: 'The shop', schema: ShopResponse }, 304: { description: 'Not modified (If-None-Match)' } },
  errors: [404],
});

export const CreateShopBody = z
  .strictObject({
    shopId: ShopId,
    name: z.string().trim().min(1).max(SHOP_NAME_MAX),
    currency: z.enum(SUPPORTED_CURRENCIES).meta({ description: 'ISO 4217 code of every price in the shop' }),
    timezone: z
      .string()
      .max(64)
      .refine((name) => canonicalTimeZone(name) !== undefined, { message: 'an IANA time zone such as Europe/Paris' })
      .optional()
      .meta({ description: 'IANA time zone, stored in its canonical spelling; default UTC', example: 'Europe/Paris' }),
  })
  .meta({ id: 'CreateShop' });

export const createShopContract = defineContract({
  operationId: 'createShop',
  auth: 'operator',
  summary: 'Create a shop (platform operators); an existing shopId is 409 shop_exists',
  tags: ['shops'],
  body: CreateShopBody,
  // Not money or stock, but a retried creation with the same key answers 201 again instead of 409.
  idempotency: 'optional',
  responses: { 201: { description: 'The new shop', schema: ShopResponse } },
  errors: [409],
});

export const UpdateShopBody = z
  .strictObject({
    name: z.string().trim().min(1).max(SHOP_NAME_MAX).optional(),
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
