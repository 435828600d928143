import { checkoutContract } from '#shared/checkout/checkout.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { checkoutFunctions } from './checkout.functions';

/** The checkout's route. Merged into ROUTES (functions/routes.ts). */
export const checkoutRoutes: readonly Route[] = [
  // Checkout moves money: throttled so a storm of retries cannot exhaust Stripe's rate limits.
  route('POST', '/v1/shops/{shopId}/checkout', checkoutFunctions.checkout, checkoutContract, { rateLimit: 500, burstLimit: 1000 }),
];
