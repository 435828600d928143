import type { ScheduledHandler } from 'aws-lambda';
import { flushMetrics, logger, metrics, MetricUnit } from '#shared/observability';
import { sales } from './flash-sale-wiring';

/**
 * Every minute: rebuilds sales whose Redis state was lost; heals live sales (tickets queued
 * past their bound are decided, holds reconciled with DynamoDB, the gate repaired when two
 * runs agree); sales past their end are healed, give the gate's units back to available,
 * and are reported; closed sales are healed until their last hold is settled.
 */
export const handler: ScheduledHandler = async () => {
  // Redis lost the state of open sales (rare: a node replaced without its data)? Rebuild it first.
  for (const { saleId, restored } of await sales().recoverSales()) logger.warn('flash sale state rebuilt from DynamoDB', { saleId, restored });
  const healed = await sales().healSales();
  const closed = await sales().closeEndedSales();
  // Closed sales whose holds were still open: settled from DynamoDB until none is, then the report is final.
  const settling = await sales().healClosedSales();
  let redriven = 0;
  let repaired = 0;
  let failures = 0;
  for (const report of [...healed, ...closed.map((c) => c.healed), ...settling]) {
    redriven += report.redriven;
    repaired += report.repaired;
    failures += report.failures;
    if (report.redriven > 0 || report.repaired > 0 || report.failures > 0) logger.warn('flash sale healed', { ...report });
  }
  for (const { saleId, report } of closed) logger.info('flash sale closed', { saleId, ...report });
  if (closed.length > 0) metrics.addMetric('FlashSalesClosed', MetricUnit.Count, closed.length);
  if (redriven > 0) metrics.addMetric('FlashSaleTicketsRedriven', MetricUnit.Count, redriven);
  if (repaired > 0) metrics.addMetric('FlashSaleRepairs', MetricUnit.Count, repaired);
  if (failures > 0) metrics.addMetric('FlashSaleHealingFailures', MetricUnit.Count, failures);
  flushMetrics();
};
