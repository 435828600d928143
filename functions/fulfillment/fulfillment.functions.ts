import { defineFunctions } from '../define';

/** The fulfillment functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const fulfillmentFunctions = defineFunctions({
  handToWarehouse: {
    id: 'HandToWarehouse',
    entry: 'functions/fulfillment/hand-to-warehouse.handler.ts',
    description: 'OrderPlaced to the warehouse: a confirmed order is handed over for picking (signed, idempotent per order).',
    uses: { tables: { orders: 'read' }, warehouse: true },
    timeoutSeconds: 15,
    maxConcurrency: 10,
  },
});
