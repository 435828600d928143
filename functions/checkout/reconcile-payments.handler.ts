import type { ScheduledHandler } from 'aws-lambda';
import { flushMetrics, logger, metrics } from '#shared/observability';
import { settlement } from './checkout-wiring';

/** The payment reconciler (every few minutes): settles authorizations that a crash or a lost webhook left open. */
export const handler: ScheduledHandler = async () => {
  const settle = await settlement();
  const counts = await settle.reconcile();
  logger.info('payments reconciled', counts);
  flushMetrics();
};
