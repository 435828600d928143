import { cartRoutes } from './cart/cart.routes';
import { catalogRoutes } from './catalog/catalog.routes';
import { checkoutRoutes } from './checkout/checkout.routes';
import { flashSalesRoutes } from './flash-sales/flash-sales.routes';
import { inventoryRoutes } from './inventory/inventory.routes';
import { ordersRoutes } from './orders/orders.routes';
import { platformDefaultRoute, platformRoutes } from './platform/platform.routes';
import { webhooksRoutes } from './webhooks/webhooks.routes';

/**
 * The one route table of the public API, merged from the routes each context declares beside its
 * handlers (functions/<context>/<context>.routes.ts). The CDK stack creates an HTTP API route per entry
 * (with the JWT authorizer where `auth` asks for a token, and the throttling given here);
 * the local gateway matches requests against the same entries; the OpenAPI document is
 * generated from the contracts.
 */
export type { HttpMethod, Route, RouteAuth, Throttle } from './definitions';
import type { Route, Throttle } from './definitions';

export const DEFAULT_THROTTLE: Throttle = { rateLimit: 2000, burstLimit: 5000 };

/**
 * Every route of every context, as each declares them in functions/<context>/<context>.routes.ts.
 * No request can match two of them (test/unit/contexts.test.ts), so their order does not matter.
 */
export const ROUTES: readonly Route[] = [...platformRoutes, ...catalogRoutes, ...inventoryRoutes, ...cartRoutes, ...ordersRoutes, ...checkoutRoutes, ...flashSalesRoutes, ...webhooksRoutes];

/** Requests that match no route (API Gateway's `$default` route). */
export const DEFAULT_ROUTE = platformDefaultRoute;

/** `GET /v1/health` for API Gateway route keys and logs. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
