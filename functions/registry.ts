import { cartFunctions } from './cart/cart.functions';
import { catalogFunctions } from './catalog/catalog.functions';
import { checkoutFunctions } from './checkout/checkout.functions';
import { flashSalesFunctions } from './flash-sales/flash-sales.functions';
import { fulfillmentFunctions } from './fulfillment/fulfillment.functions';
import { inventoryFunctions } from './inventory/inventory.functions';
import { notificationsFunctions } from './notifications/notifications.functions';
import { ordersFunctions } from './orders/orders.functions';
import { platformFunctions } from './platform/platform.functions';
import { webhooksFunctions } from './webhooks/webhooks.functions';

/**
 * Every Lambda function of the platform: its handler file and what it may touch. Each context
 * declares its own beside its handlers (functions/<context>/<context>.functions.ts); FUNCTIONS
 * merges them. The CDK stack turns `uses` into least-privilege grants and environment variables;
 * the local runtime loads `entry` and invokes its `handler` export in process.
 */
import type { FunctionSpec } from './definitions';

export type { FunctionSpec, ResourceUse, TableAccess } from './definitions';

/**
 * Every function of every context, as each declares them in functions/<context>/<context>.functions.ts
 * (names unique across contexts: test/unit/contexts.test.ts). The contexts come in the same order in
 * registry.ts, routes.ts and events.ts: those on a request's path, then the event-driven ones; the order
 * is only that of the functions in the template and the dashboard.
 */
export const FUNCTIONS = {
  ...platformFunctions,
  ...catalogFunctions,
  ...inventoryFunctions,
  ...cartFunctions,
  ...ordersFunctions,
  ...checkoutFunctions,
  ...flashSalesFunctions,
  ...webhooksFunctions,
  ...fulfillmentFunctions,
  ...notificationsFunctions,
};

export type FunctionKey = keyof typeof FUNCTIONS;

/** The functions warmed before each flash sale (their spec's `warmForSales`): one list for the CDK, the local runtime and the tests. */
export const WARMED_FOR_SALES: readonly FunctionSpec[] = Object.values(FUNCTIONS).filter((spec: FunctionSpec) => spec.warmForSales !== undefined);
