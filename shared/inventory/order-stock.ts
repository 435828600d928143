import type { StockRepository } from './inventory-ports';
import { ReservationNotActiveError } from './reservations';
import type { Reservations } from './reserve-stock';

/**
 * Inventory's side of an order's life, driven by the order events on the bus (at least
 * once, so every movement has a stable id and a repeat changes nothing):
 *   SHIPPED    units leave the building: onHand and sold go down;
 *   RETURNED   with restock, units come back on sale (onHand and available up);
 *   CANCELLED  before confirmation its reservations are released; after, its sold units
 *              go back to available.
 */
export interface OrderStockEvent {
  readonly shopId: string;
  readonly orderId: string;
  readonly status: string;
  readonly at: string;
  readonly data: {
    readonly lines?: ReadonlyArray<{ sku: string; quantity: number }>;
    readonly restock?: boolean;
    readonly reason?: string;
    readonly stockCommitted?: boolean;
    readonly reservationIds?: readonly string[];
  };
}

export function makeApplyOrderStock({ stock, reservations }: { stock: Pick<StockRepository, 'move'>; reservations: Pick<Reservations, 'release'> }) {
  async function moveLines(
    event: OrderStockEvent,
    kind: string,
    movement: (quantity: number) => Parameters<StockRepository['move']>[0]['delta'],
    type: 'shipment' | 'return' | 'release',
    reason: string,
  ) {
    for (const line of event.data.lines ?? []) {
      await stock.move({
        shopId: event.shopId,
        sku: line.sku,
        // Same id and time on a repeat: the ledger entry exists, so the movement is not applied twice.
        movementId: `${event.orderId}.${kind}`,
        delta: movement(line.quantity),
        entry: { type, reason, reference: event.orderId, actor: 'orders', at: event.at },
      });
    }
  }

  return async function applyOrderStock(event: OrderStockEvent): Promise<'moved' | 'ignored'> {
    switch (event.status) {
      case 'SHIPPED':
        await moveLines(event, 'shipment', (q) => ({ onHand: -q, sold: -q }), 'shipment', 'shipped');
        return 'moved';
      case 'RETURNED':
        if (!event.data.restock) return 'ignored'; // damaged or defective: not back on sale
        await moveLines(event, 'return', (q) => ({ onHand: q, available: q }), 'return', event.data.reason ?? 'returned');
        return 'moved';
      case 'CANCELLED':
        if (event.data.stockCommitted) {
          await moveLines(event, 'cancel', (q) => ({ sold: -q, available: q }), 'release', 'order_cancelled');
          return 'moved';
        }
        for (const reservationId of event.data.reservationIds ?? []) {
          await reservations.release(event.shopId, reservationId, 'orders').catch((error: unknown) => {
            if (!(error instanceof ReservationNotActiveError)) throw error; // expired or released already
          });
        }
        return 'moved';
      default:
        return 'ignored';
    }
  };
}
