import type { ScheduledHandler } from 'aws-lambda';
import { config } from '#shared/config';
import { flushMetrics, logger, metrics } from '#shared/observability';
import { settlement } from './checkout-wiring';

/** The payment reconciler (every few minutes): settles authorizations that a crash or a lost webhook left open. */
export const handler: ScheduledHandler = async () => {
  const settle = await settlement();
  const counts = await settle.reconcile(localGrace());
  logger.info('payments reconciled', counts);
  flushMetrics();
};

/** The crash tests shorten the grace on the local stage (LOCAL_RECONCILE_GRACE_SECONDS); every other stage waits the default. */
function localGrace(): { graceSeconds?: number } {
  const seconds = Number(process.env.LOCAL_RECONCILE_GRACE_SECONDS ?? Number.NaN);
  return config().STAGE === 'local' && seconds >= 0 ? { graceSeconds: seconds } : {};
}
