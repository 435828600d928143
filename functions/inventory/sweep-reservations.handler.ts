import type { ScheduledHandler } from 'aws-lambda';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { reservations } from './inventory-wiring';

/** The reservation sweeper (every minute): releases what expired, each reservation once even with two sweepers at once. */
export const handler: ScheduledHandler = async () => {
  const { expired, alreadyFinished } = await reservations().sweepExpired();
  if (expired > 0 || alreadyFinished > 0) logger.info('reservations swept', { expired, alreadyFinished });
  metrics.addMetric('ReservationsExpired', MetricUnit.Count, expired);
  flushMetrics();
};
