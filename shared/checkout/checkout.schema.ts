import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { ShopId } from '#shared/http/schemas';
import { OrderSchema } from '#shared/orders/orders.schema';

const Text = (max: number) => z.string().trim().min(1).max(max);

export const ShippingAddressInput = z
  .object({
    name: Text(200),
    line1: Text(200),
    line2: z.string().trim().max(200).optional(),
    city: Text(100),
    postalCode: Text(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code, e.g. US'),
  })
  .strict()
  .meta({ id: 'ShippingAddress' });

export const CheckoutInput = z
  .object({
    paymentMethodId: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'a Stripe payment method id (pm_...)'),
    shippingAddress: ShippingAddressInput,
    email: z.email().max(254),
    flashSaleHoldId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'a hold id')
      .optional(),
  })
  .strict()
  .meta({ id: 'CheckoutInput' });

const NextAction = z.object({ type: z.string(), url: z.string().optional() }).meta({ id: 'PaymentNextAction' });

export const checkoutContract = defineContract({
  operationId: 'checkout',
  auth: 'customer',
  summary: 'Turn the cart (or a flash-sale hold) into an order: reserve, authorize, confirm',
  tags: ['checkout'],
  params: z.object({ shopId: ShopId }),
  body: CheckoutInput,
  idempotency: 'required',
  responses: {
    201: { description: 'The order, CONFIRMED: stock committed, payment authorized', schema: OrderSchema },
    202: { description: 'The order, PENDING: the customer must authenticate the payment (3-D Secure)', schema: OrderSchema.extend({ nextAction: NextAction }).meta({ id: 'PendingOrder' }) },
  },
  errors: [402, 404, 409, 422],
});
