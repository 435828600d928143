import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { dynamoStockRepository } from '#shared/adapters/dynamodb/stock-repository';
import { config, tableName } from '#shared/config';
import { makeReservations } from '#shared/inventory/reserve-stock';
import { lazy } from '#shared/platform/memoize';
import type { StockCounters } from '#shared/inventory/stock';

/**
 * Inventory's adapters, built once per cold start when a handler asks for them: the one
 * place that builds the stock and reservation repositories, for every context that uses them.
 */
export const stockRepository = lazy(() => dynamoStockRepository(documents, tableName('inventory')));
export const reservationRepository = lazy(() => dynamoReservationRepository(documents, tableName('inventory')));
/** Reservations and holds (a reservation without its own duration lasts RESERVATION_SECONDS). */
export const reservations = lazy(() => makeReservations({ reservations: reservationRepository(), defaultSeconds: config().RESERVATION_SECONDS }));
export const idempotency = () => dynamoIdempotency();

/** The public view of counters (api.md: inventory). */
export function stockView(counters: StockCounters) {
  const { sku, onHand, available, reserved, sold, lowStockThreshold, version } = counters;
  return { sku, onHand, available, reserved, sold, lowStockThreshold, version };
}
