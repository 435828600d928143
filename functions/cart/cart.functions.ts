import { defineFunctions } from '../define';

/** The cart functions: handler, description, what each may touch, and its limits. Merged into FUNCTIONS (functions/registry.ts). */
export const cartFunctions = defineFunctions({
  getCart: {
    id: 'GetCart',
    entry: 'functions/cart/get-cart.handler.ts',
    description: 'Customer: the cart, priced from the catalog.',
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
});
