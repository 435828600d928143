import type { ScheduledHandler } from 'aws-lambda';
import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { config, tableName } from '#shared/config';
import { makeReservations } from '#shared/inventory/reserve-stock';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';

/** The reservation sweeper (every minute): releases what expired, each reservation once even with two sweepers at once. */
const reservations = makeReservations({ reservations: dynamoReservationRepository(documents, tableName('inventory')), defaultSeconds: config().RESERVATION_SECONDS });

export const handler: ScheduledHandler = async () => {
  const { expired, alreadyFinished } = await reservations.sweepExpired();
  if (expired > 0 || alreadyFinished > 0) logger.info('reservations swept', { expired, alreadyFinished });
  metrics.addMetric('ReservationsExpired', MetricUnit.Count, expired);
  flushMetrics();
};
