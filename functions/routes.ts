import type { RouteContract } from '#shared/http/contract';
import { healthContract, notFoundContract, openApiContract } from '#shared/platform/health.schema';
import { getShopContract } from '#shared/platform/shop.schema';
import { FUNCTIONS, type FunctionSpec } from './registry';

/**
 * The one route table of the public API. The CDK stack creates an HTTP API route per entry
 * (with the JWT authorizer where `auth` asks for a token, and the throttling given here);
 * the local gateway matches requests against the same entries; the OpenAPI document is
 * generated from the contracts.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * - `public`: anyone;
 * - `customer`: a valid token (any `sub`);
 * - `admin`: a valid token in group `admin` whose `shops` claim contains the path's shop;
 * - `signed`: no token; the handler verifies a request signature (webhooks).
 */
export type RouteAuth = 'public' | 'customer' | 'admin' | 'signed';

export interface Throttle {
  /** Steady-state requests per second for the route across all clients. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/shops/{shopId}/cart/items/{sku}`. */
  readonly path: string;
  readonly function: FunctionSpec;
  readonly auth: RouteAuth;
  readonly contract: RouteContract;
  /** @default DEFAULT_THROTTLE */
  readonly throttle?: Throttle;
}

export const DEFAULT_THROTTLE: Throttle = { rateLimit: 2000, burstLimit: 5000 };

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/health', function: FUNCTIONS.health, auth: 'public', contract: healthContract,
    throttle: { rateLimit: 50, burstLimit: 100 } },
  { method: 'GET', path: '/v1/openapi.json', function: FUNCTIONS.openApi, auth: 'public', contract: openApiContract },
  { method: 'GET', path: '/v1/shops/{shopId}', function: FUNCTIONS.shops, auth: 'public', contract: getShopContract },
];

/** Requests that match no route (API Gateway's `$default` route). */
export const DEFAULT_ROUTE = { function: FUNCTIONS.notFound, contract: notFoundContract } as const;

/** `GET /v1/health` for API Gateway route keys and logs. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
