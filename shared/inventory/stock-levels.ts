import type { Reservation } from './reservations';
import { EVENT_SOURCES, type EventPublisherPort } from '#shared/platform/events';
import type { StockRepository } from './inventory-ports';
import { availabilityOf, levelChangeEvent, type Availability, type StockCounters } from './stock';

/** Availability level and version of SKUs, for other contexts (the catalog). */
export function makeStockLevels({ stock }: { stock: StockRepository }) {
  return async function stockLevels(shopId: string, skus: readonly string[]): Promise<Map<string, { level: Availability; version: number }>> {
    const counters = await stock.getMany(shopId, skus);
    return new Map([...counters.values()].map((c) => [c.sku, { level: availabilityOf(c.available, c.lowStockThreshold), version: c.version }]));
  };
}

/**
 * The outbox of inventory: each change of a SKU's counters (from the inventory table's
 * stream) that moves its availability level becomes an event on the bus.
 */
export function makePublishStockEvents({ events }: { events: EventPublisherPort }) {
  return async function publishStockEvents(change: { before?: StockCounters; after?: StockCounters }): Promise<void> {
    if (!change.after) return;
    const event = levelChangeEvent(change.before, change.after);
    if (!event) return;
    const { type, ...detail } = event;
    await events.publish([{ source: EVENT_SOURCES.inventory, detailType: type, detail: { ...detail }, resources: [`sku:${event.shopId}:${event.sku}`] }]);
  };
}

/** A reservation the sweeper expired becomes `ReservationExpired` (checkout cancels its payment; a flash sale re-offers the units); a released flash-sale hold `ReservationReleased`. */
export function makePublishReservationEvents({ events }: { events: EventPublisherPort }) {
  return async function publishReservationEvents(change: { before?: { status: string }; after?: Reservation }): Promise<void> {
    if (!change.after || change.before?.status !== 'ACTIVE') return;
    const { shopId, reservationId, lines, source, reference, expiresAt, status } = change.after;
    // Every expiry; a release only for flash-sale holds (the sale gives their units to the next ticket).
    const detailType = status === 'EXPIRED' ? 'ReservationExpired' : status === 'RELEASED' && source === 'flash_sale' ? 'ReservationReleased' : undefined;
    if (!detailType) return;
    await events.publish([
      {
        source: EVENT_SOURCES.inventory,
        detailType,
        detail: { shopId, reservationId, lines, source, ...(reference ? { reference } : {}), expiresAt },
        resources: [`reservation:${shopId}:${reservationId}`],
      },
    ]);
  };
}
