import { z } from 'zod';

/** Schemas shared by many routes. */

export const ShopId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'a shop id is 2-63 lowercase letters, digits or hyphens')
  .meta({ description: 'The shop (tenant) id', example: 'demo' });

export const ShopParams = z.object({ shopId: ShopId });

export const Money = z
  .object({
    amount: z.number().int().nonnegative().meta({ description: 'Integer minor units (cents)' }),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
  })
  .meta({ id: 'Money' });

export const IsoDateTime = z.iso.datetime().meta({ description: 'ISO 8601 UTC time' });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable error code' }),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem document' });

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}
