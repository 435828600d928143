/**
 * The platform bus as contexts see it: the `source` of each context's events, and the
 * port through which they publish (an adapter puts them on EventBridge). The rules in
 * functions/events.ts match on the same sources.
 */
export const EVENT_SOURCES = {
  orders: 'commerce.orders',
  inventory: 'commerce.inventory',
  catalog: 'commerce.catalog',
  flashSales: 'commerce.flash-sales',
} as const;

export interface EventPublisherPort {
  publish(events: ReadonlyArray<{ source: string; detailType: string; detail: Record<string, unknown>; resources?: readonly string[] }>): Promise<void>;
}
