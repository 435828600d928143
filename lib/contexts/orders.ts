import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Order events and history, cancellation, the carriers' webhook and the warehouse hand-over (functions/orders/, functions/fulfillment/, functions/webhooks/carrier). */
export class Orders extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'orders', props);
  }
}
