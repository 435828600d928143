import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Sales, tickets, the virtual queue's worker, holds and the closing of sales (functions/flash-sales/). */
export class FlashSales extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'flashSales', props);
  }
}
