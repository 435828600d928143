import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Customer emails on order events (functions/notifications/). */
export class Notifications extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'notifications', props);
  }
}
