import type { Construct } from 'constructs';
import { BoundedContext, type ContextProps } from './bounded-context';

/** Shops, health, the OpenAPI document and the $default route (functions/platform/). */
export class Platform extends BoundedContext {
  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id, 'platform', props);
  }
}
