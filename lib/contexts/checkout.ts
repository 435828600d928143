import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Carts, the checkout saga, payments and Stripe's webhook, the reconciler of half-done checkouts (functions/cart/, functions/checkout/, functions/webhooks/stripe). */
export class Checkout extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'checkout', props);
  }
}
