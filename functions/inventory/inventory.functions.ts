import { defineFunctions } from '../define';

/** The inventory functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const inventoryFunctions = defineFunctions({
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
  applyOrderStock: {
    id: 'ApplyOrderStock',
    entry: 'functions/inventory/apply-order-stock.handler.ts',
    description: 'Order events to stock: shipped units leave onHand, restocked returns and cancellations come back.',
    uses: { tables: { inventory: 'readWrite' } },
    timeoutSeconds: 30,
  },
});
