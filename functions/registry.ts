import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';

/**
 * Every Lambda function of the platform: its handler file and what it may touch.
 * The CDK stack turns `uses` into least-privilege grants and environment variables;
 * the local runtime loads `entry` and invokes its `handler` export in process.
 */
export type TableAccess = 'read' | 'write' | 'readWrite';

export interface ResourceUse {
  readonly tables?: Partial<Record<TableKey, TableAccess>>;
  /** Reads the stream of these tables (event source). */
  readonly streams?: readonly TableKey[];
  /** Connects to the Redis cluster (VPC, security group, AUTH secret). */
  readonly redis?: boolean;
  /** Puts events on the platform bus. */
  readonly eventBus?: boolean;
  readonly queues?: Partial<Record<QueueKey, 'send' | 'consume' | 'sendConsume'>>;
  /** Sends emails through SES. */
  readonly email?: boolean;
  /** Reads the Stripe secret. */
  readonly payments?: boolean;
  /** Reads the carriers' webhook secrets. */
  readonly carrierWebhooks?: boolean;
  /** Hands orders to the warehouse (its URL and signing secret). */
  readonly warehouse?: boolean;
  /** Describes resources for health reporting (no data access). */
  readonly describeAll?: boolean;
  /** The catalog search domain (OpenSearch in AWS): query, or index documents. */
  readonly search?: 'read' | 'write';
}

export interface FunctionSpec {
  /** Construct id; PascalCase, unique. */
  readonly id: string;
  /** Handler file relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly uses: ResourceUse;
  /** @default 512 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * Cap on concurrent executions, to protect downstream systems and to refuse overload at once:
   * Lambda's reserved concurrency in AWS (it also reserves that much of the account's 1,000,
   * which must keep at least 100 unreserved), enforced the same way by the local runtime.
   */
  readonly maxConcurrency?: number;
}

const define = <const F extends Record<string, FunctionSpec>>(functions: F): F => functions;

export const FUNCTIONS = define({
  health: {
    id: 'Health',
    entry: 'functions/platform/health.handler.ts',
    description: 'GET /v1/health: liveness from a check of every dependency at most 5 s old.',
    uses: { redis: true, eventBus: true, describeAll: true, email: true },
    timeoutSeconds: 5,
  },
  healthDependencies: {
    id: 'HealthDependencies',
    entry: 'functions/platform/health-dependencies.handler.ts',
    description: 'GET /v1/health/dependencies (operators): each dependency with its status, latency and error.',
    uses: { redis: true, eventBus: true, describeAll: true, email: true },
    timeoutSeconds: 5,
  },
  openApi: {
    id: 'OpenApi',
    entry: 'functions/platform/openapi.handler.ts',
    description: 'GET /v1/openapi.json: the OpenAPI 3.1 document generated from the route contracts.',
    uses: {},
    timeoutSeconds: 5,
  },
  notFound: {
    id: 'NotFound',
    entry: 'functions/platform/not-found.handler.ts',
    description: 'Catch-all route: a not_found problem document for unknown routes.',
    uses: {},
    memoryMb: 256,
    timeoutSeconds: 3,
  },
  shops: {
    id: 'Shops',
    entry: 'functions/platform/get-shop.handler.ts',
    description: 'GET /v1/shops/{shopId}: public profile of a shop.',
    uses: { tables: { shops: 'read' } },
    timeoutSeconds: 5,
  },
  createShop: {
    id: 'CreateShop',
    entry: 'functions/platform/create-shop.handler.ts',
    description: 'POST /v1/shops (operators): create a shop (tenant); an existing id is 409 shop_exists.',
    uses: { tables: { shops: 'readWrite', idempotency: 'readWrite' } },
    timeoutSeconds: 5,
    // Operators create shops now and then; a handful in flight is plenty.
    maxConcurrency: 5,
  },
  updateShop: {
    id: 'UpdateShop',
    entry: 'functions/platform/update-shop.handler.ts',
    description: "PATCH /v1/shops/{shopId}/admin/profile: the shop's name and support email.",
    uses: { tables: { shops: 'readWrite' } },
    timeoutSeconds: 5,
  },
  getProduct: {
    id: 'GetProduct',
    entry: 'functions/catalog/get-product.handler.ts',
    description: 'GET product page, from the Redis page cache (ETag, Cache-Control).',
    uses: { tables: { catalog: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  searchCatalog: {
    id: 'SearchCatalog',
    entry: 'functions/catalog/search.handler.ts',
    description: 'GET search: full text with facets.',
    uses: { search: 'read' },
    memoryMb: 1024,
    timeoutSeconds: 5,
  },
  getCategory: {
    id: 'GetCategory',
    entry: 'functions/catalog/get-category.handler.ts',
    description: 'GET category page: precomputed listing from the category index, cached.',
    uses: { tables: { catalog: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  createProduct: {
    id: 'CreateProduct',
    entry: 'functions/catalog/create-product.handler.ts',
    description: 'Merchant: create a product with variants and zero stock counters.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // Merchant writes: the route's 200/s at ~50 ms a transaction is ~10 in flight; bulk loads use the import.
    maxConcurrency: 20,
  },
  replaceProduct: {
    id: 'ReplaceProduct',
    entry: 'functions/catalog/replace-product.handler.ts',
    description: 'Merchant: replace a product.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // As createProduct.
    maxConcurrency: 20,
  },
  patchProduct: {
    id: 'PatchProduct',
    entry: 'functions/catalog/patch-product.handler.ts',
    description: 'Merchant: change some fields of a product.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite', shops: 'read' }, redis: true },
    // As createProduct.
    maxConcurrency: 20,
  },
  deleteProduct: {
    id: 'DeleteProduct',
    entry: 'functions/catalog/delete-product.handler.ts',
    description: 'Merchant: remove a product.',
    uses: { tables: { catalog: 'readWrite' }, redis: true },
    // The route's 100/s at ~50 ms is ~5 in flight.
    maxConcurrency: 10,
  },
  indexCatalog: {
    id: 'IndexCatalog',
    entry: 'functions/catalog/index-catalog.handler.ts',
    description: 'Catalog stream to search index (the last version of each changed product).',
    uses: { tables: { catalog: 'read' }, streams: ['catalog'], search: 'write' },
    timeoutSeconds: 60,
  },
  projectCatalog: {
    id: 'ProjectCatalog',
    entry: 'functions/catalog/project-catalog.handler.ts',
    description: 'Catalog stream to page cache and category invalidation, stock counters for new SKUs, availability backfill.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite' }, streams: ['catalog'], redis: true },
    timeoutSeconds: 60,
  },
  recordAvailability: {
    id: 'RecordAvailability',
    entry: 'functions/catalog/record-availability.handler.ts',
    description: 'Inventory level events to availability shown by the catalog.',
    uses: { tables: { catalog: 'readWrite' } },
  },
  startProductImport: {
    id: 'StartProductImport',
    entry: 'functions/catalog/start-import.handler.ts',
    description: 'Merchant: bulk product import (NDJSON, Idempotency-Key): records the import and queues its lines in chunks.',
    uses: { tables: { catalog: 'readWrite', shops: 'read', idempotency: 'readWrite' }, queues: { productImports: 'send' } },
    memoryMb: 1024,
    // API Gateway's HTTP integrations end at 29 s.
    timeoutSeconds: 29,
    // A merchant's upload now and then; each reads up to 4 MiB.
    maxConcurrency: 5,
  },
  getProductImport: {
    id: 'GetProductImport',
    entry: 'functions/catalog/get-import.handler.ts',
    description: 'Merchant: progress and refused lines of a bulk import.',
    uses: { tables: { catalog: 'read' } },
    timeoutSeconds: 5,
    // Polled by the merchant's console or script, about once a second per import.
    maxConcurrency: 10,
  },
  importProductChunks: {
    id: 'ImportProductChunks',
    entry: 'functions/catalog/import-chunk.handler.ts',
    description: 'Import worker: writes one chunk of an import (products, SKU claims, initial counts with their ledger entries, availability) and counts it once.',
    uses: { tables: { catalog: 'readWrite', inventory: 'readWrite' }, queues: { productImports: 'consume' } },
    memoryMb: 1024,
    timeoutSeconds: 60,
  },
  publishStockEvents: {
    id: 'PublishStockEvents',
    entry: 'functions/inventory/publish-stock-events.handler.ts',
    description: 'Inventory stream (the outbox) to OutOfStock, InventoryLow, BackInStock, StockReplenished on the bus.',
    uses: { streams: ['inventory'], eventBus: true },
    timeoutSeconds: 60,
  },
  getStock: {
    id: 'GetStock',
    entry: 'functions/inventory/get-stock.handler.ts',
    description: 'Merchant: the stock counters of a SKU.',
    uses: { tables: { inventory: 'read' } },
    timeoutSeconds: 5,
  },
  adjustStock: {
    id: 'AdjustStock',
    entry: 'functions/inventory/adjust-stock.handler.ts',
    description: 'Merchant: restock, shrinkage or count correction (Idempotency-Key).',
    uses: { tables: { inventory: 'readWrite', idempotency: 'readWrite' } },
    // The route's 200/s at ~50 ms is ~10 in flight; a stock count sends many at once.
    maxConcurrency: 30,
  },
  getStockLedger: {
    id: 'GetStockLedger',
    entry: 'functions/inventory/get-ledger.handler.ts',
    description: 'Merchant: the movements of a SKU, newest first.',
    uses: { tables: { inventory: 'read' } },
    timeoutSeconds: 5,
  },
  sweepReservations: {
    id: 'SweepReservations',
    entry: 'functions/inventory/sweep-reservations.handler.ts',
    description: 'Every minute: releases active reservations past their expiry (each exactly once).',
    uses: { tables: { inventory: 'readWrite' } },
    timeoutSeconds: 55,
    maxConcurrency: 2,
  },
  getCart: {
    id: 'GetCart',
    entry: 'functions/cart/get-cart.handler.ts',
    description: "Customer: the cart, priced from the catalog.",
    uses: { tables: { carts: 'read', catalog: 'read', shops: 'read' } },
    timeoutSeconds: 5,
  },
  setCartItem: {
    id: 'SetCartItem',
    entry: 'functions/cart/set-cart-item.handler.ts',
    description: 'Customer: set a quantity (limited editions are held 15 minutes).',
    uses: { tables: { carts: 'readWrite', catalog: 'read', inventory: 'readWrite', shops: 'read' } },
    // Every purchase starts here: as many as checkout, so the cart never refuses a buyer checkout would admit.
    maxConcurrency: 50,
  },
  removeCartItem: {
    id: 'RemoveCartItem',
    entry: 'functions/cart/remove-cart-item.handler.ts',
    description: 'Customer: remove a line (and release its hold).',
    uses: { tables: { carts: 'readWrite', catalog: 'read', inventory: 'readWrite', shops: 'read' } },
    // One conditional write (~10 ms): 30 in flight is ~3,000 removals/s.
    maxConcurrency: 30,
  },
  mergeCart: {
    id: 'MergeCart',
    entry: 'functions/cart/merge-cart.handler.ts',
    description: 'Customer: merge a logged-out cart at login.',
    uses: { tables: { carts: 'readWrite', catalog: 'read', inventory: 'readWrite', shops: 'read' } },
    // Once per sign-in: one conditional write, holds only for limited editions.
    maxConcurrency: 30,
  },
  publishOrderEvents: {
    id: 'PublishOrderEvents',
    entry: 'functions/orders/publish-order-events.handler.ts',
    description: 'Orders stream (the outbox) to OrderStatusChanged and OrderPlaced on the bus.',
    uses: { streams: ['orders'], eventBus: true },
    timeoutSeconds: 60,
  },
  listMyOrders: {
    id: 'ListMyOrders',
    entry: 'functions/orders/list-my-orders.handler.ts',
    description: "Customer: the caller's orders, newest first.",
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  getMyOrder: {
    id: 'GetMyOrder',
    entry: 'functions/orders/get-my-order.handler.ts',
    description: 'Customer: one order with its event history.',
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  listShopOrders: {
    id: 'ListShopOrders',
    entry: 'functions/orders/list-shop-orders.handler.ts',
    description: 'Merchant: the orders of the shop in one status.',
    uses: { tables: { orders: 'read' } },
    timeoutSeconds: 5,
  },
  checkout: {
    id: 'Checkout',
    entry: 'functions/checkout/checkout.handler.ts',
    description: 'Customer: the checkout saga (reserve, authorize, write the order and commit the stock, empty the cart).',
    uses: { tables: { carts: 'readWrite', catalog: 'read', inventory: 'readWrite', orders: 'readWrite', shops: 'read', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 25,
    // Stripe's default ~100 PaymentIntents/s x ~0.4 s a checkout in AWS is ~50 in flight; more would only
    // queue on Stripe's rate limit. Locally (~25/s at best) the last one admitted answers ~2 s later, and
    // bench:overload measured goodput falling from 0.87x to 0.71x of capacity when 100 were admitted.
    maxConcurrency: 50,
  },
  cancelOrder: {
    id: 'CancelOrder',
    entry: 'functions/orders/cancel-order.handler.ts',
    description: 'Customer: cancel an order before it ships (voids the authorization; the stock follows the event).',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
    // Customer-initiated and rare; each voids at Stripe (~0.3 s).
    maxConcurrency: 20,
  },
  recordOrderEvent: {
    id: 'RecordOrderEvent',
    entry: 'functions/orders/record-order-event.handler.ts',
    description: 'Merchant or warehouse: PICKED, SHIPPED (captures), DELIVERED, RETURNED (refunds).',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
    // A warehouse reporting a drop's picks at once (it retries a 503); SHIPPED and RETURNED call Stripe.
    maxConcurrency: 30,
  },
  stripeWebhook: {
    id: 'StripeWebhook',
    entry: 'functions/webhooks/stripe-webhook.handler.ts',
    description: 'Stripe events (signature verified, each event once): settle PENDING orders.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite', idempotency: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
  },
  carrierWebhook: {
    id: 'CarrierWebhook',
    entry: 'functions/webhooks/carrier-webhook.handler.ts',
    description: 'Carrier tracking updates (HMAC signature, each event id once): DELIVERED, RETURNED.',
    uses: { tables: { orders: 'readWrite', idempotency: 'readWrite' }, payments: true, carrierWebhooks: true },
    timeoutSeconds: 15,
  },
  reconcilePayments: {
    id: 'ReconcilePayments',
    entry: 'functions/checkout/reconcile-payments.handler.ts',
    description: 'Schedule: void authorizations without an order, confirm PENDING orders whose payment settled.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite' }, payments: true },
    timeoutSeconds: 120,
    maxConcurrency: 1,
  },
  expireCheckout: {
    id: 'ExpireCheckout',
    entry: 'functions/checkout/expire-checkout.handler.ts',
    description: 'ReservationExpired of a checkout: cancel the PENDING order and void its payment.',
    uses: { tables: { orders: 'readWrite', inventory: 'readWrite' }, payments: true },
    timeoutSeconds: 15,
  },
  applyOrderStock: {
    id: 'ApplyOrderStock',
    entry: 'functions/inventory/apply-order-stock.handler.ts',
    description: 'Order events to stock: shipped units leave onHand, restocked returns and cancellations come back.',
    uses: { tables: { inventory: 'readWrite' } },
    timeoutSeconds: 30,
  },
  handToWarehouse: {
    id: 'HandToWarehouse',
    entry: 'functions/fulfillment/hand-to-warehouse.handler.ts',
    description: 'OrderPlaced to the warehouse: a confirmed order is handed over for picking (signed, idempotent per order).',
    uses: { tables: { orders: 'read' }, warehouse: true },
    timeoutSeconds: 15,
    maxConcurrency: 10,
  },
  sendOrderEmail: {
    id: 'SendOrderEmail',
    entry: 'functions/notifications/send-order-email.handler.ts',
    description: 'OrderStatusChanged to the customer email of that event (confirmation, shipment, delivery, cancellation, refund), at most once per order event.',
    uses: { tables: { orders: 'read', idempotency: 'readWrite' }, email: true },
    timeoutSeconds: 15,
    maxConcurrency: 10,
  },
  createFlashSale: {
    id: 'CreateFlashSale',
    entry: 'functions/flash-sales/create-sale.handler.ts',
    description: 'Merchant: create a flash sale; its units move into the Redis gate.',
    uses: { tables: { flashSales: 'readWrite', inventory: 'readWrite', idempotency: 'readWrite' }, redis: true },
    // A merchant's setup call, a few per sale.
    maxConcurrency: 5,
  },
  getFlashSale: {
    id: 'GetFlashSale',
    entry: 'functions/flash-sales/get-sale.handler.ts',
    description: 'Public: a flash sale and its status (sold out and ended are cacheable).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  enterFlashSale: {
    id: 'EnterFlashSale',
    entry: 'functions/flash-sales/enter-sale.handler.ts',
    description: 'Customer: enter a flash sale (rate limited; a ticket in the FIFO queue, or sold out at once).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true, queues: { flashSaleEntries: 'send' } },
    timeoutSeconds: 5,
    // No maxConcurrency: the route throttle and the per-sale and per-customer Redis buckets shed a drop, and a
    // reservation sized for its cold-start spike (docs/capacity.md) would take a third of the account all year.
  },
  getFlashSaleTicket: {
    id: 'GetFlashSaleTicket',
    entry: 'functions/flash-sales/get-ticket.handler.ts',
    description: 'Customer: the state of a flash-sale ticket.',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  flashSaleReport: {
    id: 'FlashSaleReport',
    entry: 'functions/flash-sales/sale-report.handler.ts',
    description: 'Merchant: the report of a flash sale.',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true },
    timeoutSeconds: 5,
  },
  decideFlashSaleTickets: {
    id: 'DecideFlashSaleTickets',
    entry: 'functions/flash-sales/decide-tickets.handler.ts',
    description: 'Flash-sale worker: decides queued tickets through the gate (won with a hold, or lost), once per ticket.',
    uses: { tables: { flashSales: 'read', inventory: 'readWrite' }, redis: true, queues: { flashSaleEntries: 'consume' } },
    timeoutSeconds: 30,
  },
  endFlashSaleHold: {
    id: 'EndFlashSaleHold',
    entry: 'functions/flash-sales/end-hold.handler.ts',
    description: 'An unused flash-sale hold ended: its units go back to the gate for the next tickets.',
    uses: { tables: { flashSales: 'read', inventory: 'readWrite' }, redis: true, queues: { flashSaleEntries: 'send' } },
    timeoutSeconds: 30,
  },
  countFlashSaleOrder: {
    id: 'CountFlashSaleOrder',
    entry: 'functions/flash-sales/count-sale-order.handler.ts',
    description: 'OrderPlaced on a flash-sale hold: counted in the sale report.',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true },
    timeoutSeconds: 10,
  },
  closeFlashSales: {
    id: 'CloseFlashSales',
    entry: 'functions/flash-sales/close-sales.handler.ts',
    description: 'Schedule: ended flash sales return the gate units to available, reconcile and report.',
    uses: { tables: { flashSales: 'readWrite', inventory: 'readWrite' }, redis: true },
    timeoutSeconds: 120,
    maxConcurrency: 1,
  },
});

export type FunctionKey = keyof typeof FUNCTIONS;
