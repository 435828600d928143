import type { RouteAuth, RouteContract } from '#shared/http/contract';
import { healthContract, healthDependenciesContract, notFoundContract, openApiContract } from '#shared/platform/health.schema';
import { createShopContract, getShopContract, updateShopContract } from '#shared/platform/shop.schema';
import {
  createProductContract,
  deleteProductContract,
  getCategoryContract,
  getProductContract,
  patchProductContract,
  replaceProductContract,
  searchContract,
} from '#shared/catalog/catalog.schema';
import { getImportContract, startImportContract } from '#shared/catalog/import.schema';
import { getCartContract, mergeCartContract, removeCartItemContract, setCartItemContract } from '#shared/cart/cart.schema';
import { adjustStockContract, getLedgerContract, getStockContract } from '#shared/inventory/inventory.schema';
import { cancelOrderContract, getMyOrderContract, listMyOrdersContract, listShopOrdersContract, recordOrderEventContract } from '#shared/orders/orders.schema';
import { checkoutContract } from '#shared/checkout/checkout.schema';
import { createSaleContract, enterSaleContract, getSaleContract, getTicketContract, saleReportContract } from '#shared/flash-sales/flash-sales.schema';
import { carrierWebhookContract, stripeWebhookContract } from '#shared/webhooks/webhooks.schema';
import { FUNCTIONS, type FunctionSpec } from './registry';

/**
 * The one route table of the public API. The CDK stack creates an HTTP API route per entry
 * (with the JWT authorizer where `auth` asks for a token, and the throttling given here);
 * the local gateway matches requests against the same entries; the OpenAPI document is
 * generated from the contracts.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type { RouteAuth };

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
  /** Who may call it; always the contract's `auth` (see route()). */
  readonly auth: RouteAuth;
  readonly contract: RouteContract;
  /** @default DEFAULT_THROTTLE */
  readonly throttle?: Throttle;
}

export const DEFAULT_THROTTLE: Throttle = { rateLimit: 2000, burstLimit: 5000 };

function route(method: HttpMethod, path: string, fn: FunctionSpec, contract: RouteContract, throttle?: Throttle): Route {
  return { method, path, function: fn, auth: contract.auth, contract, ...(throttle ? { throttle } : {}) };
}

export const ROUTES: readonly Route[] = [
  route('GET', '/v1/health', FUNCTIONS.health, healthContract, { rateLimit: 50, burstLimit: 100 }),
  // Operators only, and each call probes every dependency: a few a second is plenty.
  route('GET', '/v1/health/dependencies', FUNCTIONS.healthDependencies, healthDependenciesContract, { rateLimit: 5, burstLimit: 10 }),
  route('GET', '/v1/openapi.json', FUNCTIONS.openApi, openApiContract),
  // Operators only, a few shops at a time; one conditional write each.
  route('POST', '/v1/shops', FUNCTIONS.createShop, createShopContract, { rateLimit: 50, burstLimit: 100 }),
  route('GET', '/v1/shops/{shopId}', FUNCTIONS.shops, getShopContract),
  route('PATCH', '/v1/shops/{shopId}/admin/profile', FUNCTIONS.updateShop, updateShopContract),

  // Catalog: the read paths carry most of the traffic (and CloudFront absorbs most of that).
  route('GET', '/v1/shops/{shopId}/products/{productId}', FUNCTIONS.getProduct, getProductContract, { rateLimit: 5000, burstLimit: 10000 }),
  route('GET', '/v1/shops/{shopId}/search', FUNCTIONS.searchCatalog, searchContract, { rateLimit: 3000, burstLimit: 6000 }),
  route('GET', '/v1/shops/{shopId}/categories/{category}', FUNCTIONS.getCategory, getCategoryContract, { rateLimit: 5000, burstLimit: 10000 }),
  route('POST', '/v1/shops/{shopId}/admin/products', FUNCTIONS.createProduct, createProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('PUT', '/v1/shops/{shopId}/admin/products/{productId}', FUNCTIONS.replaceProduct, replaceProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('PATCH', '/v1/shops/{shopId}/admin/products/{productId}', FUNCTIONS.patchProduct, patchProductContract, { rateLimit: 200, burstLimit: 400 }),
  route('DELETE', '/v1/shops/{shopId}/admin/products/{productId}', FUNCTIONS.deleteProduct, deleteProductContract, { rateLimit: 100, burstLimit: 200 }),
  // Bulk import: a few uploads of up to 4 MiB, and their status polled about once a second.
  route('POST', '/v1/shops/{shopId}/admin/products/imports', FUNCTIONS.startProductImport, startImportContract, { rateLimit: 10, burstLimit: 20 }),
  route('GET', '/v1/shops/{shopId}/admin/products/imports/{importId}', FUNCTIONS.getProductImport, getImportContract, { rateLimit: 100, burstLimit: 200 }),

  // Inventory (merchant)
  route('GET', '/v1/shops/{shopId}/admin/inventory/{sku}', FUNCTIONS.getStock, getStockContract),
  route('POST', '/v1/shops/{shopId}/admin/inventory/{sku}/adjustments', FUNCTIONS.adjustStock, adjustStockContract, { rateLimit: 200, burstLimit: 400 }),
  route('GET', '/v1/shops/{shopId}/admin/inventory/{sku}/ledger', FUNCTIONS.getStockLedger, getLedgerContract),

  // Cart (customer)
  route('GET', '/v1/shops/{shopId}/cart', FUNCTIONS.getCart, getCartContract),
  route('PUT', '/v1/shops/{shopId}/cart/items/{sku}', FUNCTIONS.setCartItem, setCartItemContract),
  route('DELETE', '/v1/shops/{shopId}/cart/items/{sku}', FUNCTIONS.removeCartItem, removeCartItemContract),
  route('POST', '/v1/shops/{shopId}/cart/merge', FUNCTIONS.mergeCart, mergeCartContract),

  // Orders
  route('GET', '/v1/shops/{shopId}/orders', FUNCTIONS.listMyOrders, listMyOrdersContract),
  route('GET', '/v1/shops/{shopId}/orders/{orderId}', FUNCTIONS.getMyOrder, getMyOrderContract),
  route('GET', '/v1/shops/{shopId}/admin/orders', FUNCTIONS.listShopOrders, listShopOrdersContract),
  route('POST', '/v1/shops/{shopId}/admin/orders/{orderId}/events', FUNCTIONS.recordOrderEvent, recordOrderEventContract),
  // Checkout and cancellation move money: throttled so a storm of retries cannot exhaust Stripe's rate limits.
  route('POST', '/v1/shops/{shopId}/checkout', FUNCTIONS.checkout, checkoutContract, { rateLimit: 500, burstLimit: 1000 }),
  route('POST', '/v1/shops/{shopId}/orders/{orderId}/cancel', FUNCTIONS.cancelOrder, cancelOrderContract),
  // Flash sales: the entry route takes the spike (per-customer and per-sale token buckets in Redis behind this
  // throttle). The sale routes together stay well inside the account's default 10,000 requests/s, so a drop
  // answers its own excess with 429 and never starves other shops' checkouts; CloudFront answers most sale GETs.
  route('POST', '/v1/shops/{shopId}/admin/flash-sales', FUNCTIONS.createFlashSale, createSaleContract),
  route('GET', '/v1/shops/{shopId}/admin/flash-sales/{saleId}/report', FUNCTIONS.flashSaleReport, saleReportContract),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}', FUNCTIONS.getFlashSale, getSaleContract, { rateLimit: 1000, burstLimit: 2000 }),
  route('POST', '/v1/shops/{shopId}/flash-sales/{saleId}/entries', FUNCTIONS.enterFlashSale, enterSaleContract, { rateLimit: 3000, burstLimit: 3000 }),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}', FUNCTIONS.getFlashSaleTicket, getTicketContract, { rateLimit: 2000, burstLimit: 2000 }),
  // Webhooks: no token; the handlers verify the signature of the raw body.
  route('POST', '/v1/webhooks/stripe', FUNCTIONS.stripeWebhook, stripeWebhookContract),
  route('POST', '/v1/webhooks/carriers/{carrier}', FUNCTIONS.carrierWebhook, carrierWebhookContract),
];

/** Requests that match no route (API Gateway's `$default` route). */
export const DEFAULT_ROUTE = { function: FUNCTIONS.notFound, contract: notFoundContract } as const;

/** `GET /v1/health` for API Gateway route keys and logs. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
