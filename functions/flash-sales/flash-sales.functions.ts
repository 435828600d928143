import { defineFunctions } from '../define';

/** The flash-sales functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const flashSalesFunctions = defineFunctions({
  createFlashSale: {
    id: 'CreateFlashSale',
    entry: 'functions/flash-sales/create-sale.handler.ts',
    description: 'Merchant: create a flash sale; its units move into the Redis gate.',
    uses: { tables: { flashSales: 'readWrite', inventory: 'readWrite', idempotency: 'readWrite' }, redis: true, saleCapacity: true },
    // A merchant's setup call, a few per sale.
    maxConcurrency: 5,
  },
  getFlashSale: {
    id: 'GetFlashSale',
    entry: 'functions/flash-sales/get-sale.handler.ts',
    description: 'Public: a flash sale and its status (sold out and ended are cacheable, and flagged for the edge).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true, edgeFlags: true },
    timeoutSeconds: 5,
  },
  enterFlashSale: {
    id: 'EnterFlashSale',
    entry: 'functions/flash-sales/enter-sale.handler.ts',
    description: 'Customer: enter a flash sale (rate limited; a ticket in the FIFO queue, or sold out at once; a full admission closes the entries at the edge for a while).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true, queues: { flashSaleEntries: 'send' }, edgeFlags: true, streamTokens: true },
    timeoutSeconds: 5,
    warmForSales: 'entries',
    // No maxConcurrency: the route throttle and the per-sale and per-customer Redis buckets shed a drop, and a
    // reservation sized for its cold-start spike (docs/capacity.md) would take a third of the account all year.
  },
  getFlashSaleTicket: {
    id: 'GetFlashSaleTicket',
    entry: 'functions/flash-sales/get-ticket.handler.ts',
    description: 'Customer: the state of a flash-sale ticket.',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true },
    timeoutSeconds: 5,
    warmForSales: 'ticketPolls',
  },
  streamFlashSaleTicket: {
    id: 'StreamFlashSaleTicket',
    entry: 'functions/flash-sales/stream-ticket.handler.ts',
    description: 'Customer (stream token): server-sent events of a flash-sale ticket, streamed through a function URL (RESPONSE_STREAM).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true, streamTokens: true },
    // A stream lasts FLASH_SALE_STREAM_SECONDS (120 s), then the client reconnects; the timeout leaves it room.
    timeoutSeconds: 150,
    memoryMb: 256,
  },
  listFlashSales: {
    id: 'ListFlashSales',
    entry: 'functions/flash-sales/list-sales.handler.ts',
    description: 'Merchant: the shop’s flash sales, newest first.',
    uses: { tables: { flashSales: 'read' } },
    timeoutSeconds: 5,
    maxConcurrency: 5,
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
    description:
      'Flash-sale worker: decides its batch and up to 100 queued tickets ahead through the gate in one Redis script (won with a hold, or lost), once per ticket; then writes the holds to DynamoDB in batches.',
    uses: { tables: { flashSales: 'read', inventory: 'readWrite' }, redis: true, queues: { flashSaleEntries: 'consume' } },
    timeoutSeconds: 30,
    warmForSales: 'ticketDecisions',
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
    description: 'OrderPlaced on a flash-sale hold: counted in the sale report (the last hold of an empty gate flags the sale sold out at the edge).',
    uses: { tables: { flashSales: 'read', inventory: 'read' }, redis: true, edgeFlags: true },
    timeoutSeconds: 10,
  },
  closeFlashSales: {
    id: 'CloseFlashSales',
    entry: 'functions/flash-sales/close-sales.handler.ts',
    description: 'Schedule: ended flash sales return the gate units to available, reconcile and report.',
    uses: { tables: { flashSales: 'readWrite', inventory: 'readWrite' }, redis: true, edgeFlags: true, saleCapacity: true },
    timeoutSeconds: 120,
    maxConcurrency: 1,
  },
});
