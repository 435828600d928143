import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, Money, ShopId } from '#shared/http/schemas';
import { MAX_LINES, MAX_QUANTITY } from './cart';

const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'a SKU');

export const CartSchema = z
  .object({
    items: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number().int(),
        title: z.string().optional(),
        unitPrice: Money.optional(),
        lineTotal: Money.optional(),
        available: z.boolean().meta({ description: 'False when the SKU is no longer sold; the line is not charged' }),
        held: z.boolean().optional().meta({ description: 'Limited edition: units held for 15 minutes' }),
      }),
    ),
    subtotal: Money,
    expiresAt: IsoDateTime.nullable().meta({ description: '7 days after the last change; null for an empty, never saved cart' }),
  })
  .meta({ id: 'Cart' });

export const getCartContract = defineContract({
  operationId: 'getCart',
  auth: 'customer',
  summary: "The caller's cart, priced from the catalog now",
  tags: ['cart'],
  params: z.object({ shopId: ShopId }),
  responses: { 200: { description: 'The cart', schema: CartSchema } },
});

export const setCartItemContract = defineContract({
  operationId: 'setCartItem',
  auth: 'customer',
  summary: 'Set the quantity of a SKU in the cart (0 removes it)',
  tags: ['cart'],
  params: z.object({ shopId: ShopId, sku: Sku }),
  body: z.strictObject({ quantity: z.number().int().min(0).max(MAX_QUANTITY) }),
  responses: { 200: { description: 'The cart', schema: CartSchema } },
  errors: [404, 409],
});

export const removeCartItemContract = defineContract({
  operationId: 'removeCartItem',
  auth: 'customer',
  summary: 'Remove a SKU from the cart',
  tags: ['cart'],
  params: z.object({ shopId: ShopId, sku: Sku }),
  responses: { 200: { description: 'The cart', schema: CartSchema } },
});

export const mergeCartContract = defineContract({
  operationId: 'mergeCart',
  auth: 'customer',
  summary: 'Merge a logged-out browser cart: quantities of one SKU are added, capped at 99',
  tags: ['cart'],
  params: z.object({ shopId: ShopId }),
  body: z.strictObject({
    items: z
      .array(z.strictObject({ sku: Sku, quantity: z.number().int().min(1).max(MAX_QUANTITY) }))
      .min(1)
      .max(MAX_LINES),
  }),
  responses: {
    200: {
      description: 'The merged cart, and what could not be merged',
      schema: CartSchema.extend({ skipped: z.array(z.object({ sku: z.string(), reason: z.enum(['not_found', 'out_of_stock']) })) }),
    },
  },
});
