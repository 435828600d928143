import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Stock counters, the movement ledger, reservations and their sweeper, stock events (functions/inventory/). */
export class Inventory extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'inventory', props);
  }
}
