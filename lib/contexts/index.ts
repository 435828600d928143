import type { Construct } from 'constructs';
import type { BoundedContext, ContextProps } from './bounded-context';
import { Catalog } from './catalog';
import { Inventory } from './inventory';
import { Checkout } from './checkout';
import { Orders } from './orders';
import { FlashSales } from './flash-sales';
import { Notifications } from './notifications';
import { Platform } from './platform';
import type { ContextName } from './context-of';

export { BoundedContext, type ContextProps, type ContextResources, type StreamedRoute } from './bounded-context';
export { CONTEXTS, type ContextName, contextOf, contextSlug } from './context-of';

/** The construct of each context. */
export const CONTEXT_CONSTRUCTS: Readonly<Record<ContextName, new (scope: Construct, id: string, props: ContextProps) => BoundedContext>> = {
  catalog: Catalog,
  inventory: Inventory,
  checkout: Checkout,
  orders: Orders,
  flashSales: FlashSales,
  notifications: Notifications,
  platform: Platform,
};
