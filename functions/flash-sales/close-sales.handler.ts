import type { ScheduledHandler } from 'aws-lambda';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { sales } from './flash-sale-wiring';

/** Every minute: rebuilds sales whose Redis state was lost; sales past their end give the gate's units back to available, are reconciled and reported. */
export const handler: ScheduledHandler = async () => {
  // Redis lost the state of open sales (rare: a node replaced without its data)? Rebuild it first.
  for (const { saleId, restored } of await sales().recoverSales()) logger.warn('flash sale state rebuilt from DynamoDB', { saleId, restored });
  const closed = await sales().closeEndedSales();
  for (const { saleId, report } of closed) logger.info('flash sale closed', { saleId, ...report });
  if (closed.length > 0) metrics.addMetric('FlashSalesClosed', MetricUnit.Count, closed.length);
  flushMetrics();
};
