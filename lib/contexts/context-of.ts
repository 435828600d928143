import type { FunctionSpec } from '#functions/registry';

/** The bounded contexts, each deployed as its own construct in its own stack (see BoundedContext). */
export const CONTEXTS = ['catalog', 'inventory', 'checkout', 'orders', 'flashSales', 'notifications', 'platform'] as const;
export type ContextName = (typeof CONTEXTS)[number];

/**
 * The one place that says which context a function belongs to, from its handler's folder
 * (`functions/<folder>/...`). The cart is checkout's; fulfillment (the warehouse hand-over) is
 * orders'. A new folder must be added here, or synthesis fails naming it.
 */
export const CONTEXT_OF_FOLDER: Readonly<Record<string, ContextName>> = {
  catalog: 'catalog',
  inventory: 'inventory',
  cart: 'checkout',
  checkout: 'checkout',
  orders: 'orders',
  fulfillment: 'orders',
  'flash-sales': 'flashSales',
  notifications: 'notifications',
  platform: 'platform',
};

/**
 * Webhooks share `functions/webhooks/`; each belongs to the context of what it reports, named by
 * its sub-folder or the first word of its file (`stripe-webhook.handler.ts`): Stripe's payment
 * events are checkout's, the carriers' delivery events are orders'.
 */
export const CONTEXT_OF_WEBHOOK: Readonly<Record<string, ContextName>> = {
  stripe: 'checkout',
  carrier: 'orders',
  carriers: 'orders',
};

/** The context of a function, from the folder of its handler (`spec.entry`). */
export function contextOf(spec: Pick<FunctionSpec, 'id' | 'entry'>): ContextName {
  const [root, folder, next] = spec.entry.split('/');
  if (root !== 'functions' || folder === undefined || next === undefined) {
    throw new Error(`function ${spec.id}: its entry "${spec.entry}" is not under functions/<folder>/, so it belongs to no context`);
  }
  if (folder === 'webhooks') {
    const word = next.split(/[-.]/)[0] ?? '';
    const context = CONTEXT_OF_WEBHOOK[word];
    if (!context) throw new Error(`function ${spec.id}: the webhook ${spec.entry} belongs to no context: add "${word}" to CONTEXT_OF_WEBHOOK (lib/contexts/context-of.ts)`);
    return context;
  }
  const context = CONTEXT_OF_FOLDER[folder];
  if (!context) throw new Error(`function ${spec.id}: the folder functions/${folder}/ belongs to no context: add it to CONTEXT_OF_FOLDER (lib/contexts/context-of.ts)`);
  return context;
}

/** The context's name in stack names and construct ids: `flash-sales`, `FlashSales`. */
export function contextSlug(context: ContextName): { readonly kebab: string; readonly pascal: string } {
  return {
    kebab: context.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    pascal: context.charAt(0).toUpperCase() + context.slice(1),
  };
}
