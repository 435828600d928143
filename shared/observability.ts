import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The one logger and metrics instance of a function (Powertools). Structured JSON logs;
 * handlers append correlation ids and business keys (shopId, orderId, sku).
 * Locally the runtime sets POWERTOOLS_LOG_LEVEL and POWERTOOLS_METRICS_DISABLED.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'commerce' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Commerce',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'commerce',
});

export { MetricUnit };

/** Publishes the metrics recorded so far, if any (an empty publish only logs a warning). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
