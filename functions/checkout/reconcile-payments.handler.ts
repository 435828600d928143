import type { ScheduledHandler } from 'aws-lambda';
import type { ReconcileCursor } from '#shared/checkout/settle-payments';
import { config } from '#shared/config';
import { flushMetrics, logger } from '#shared/observability';
import { remainingBudgetMs, runWithInvocationBudget } from '#shared/platform/deadline';
import { longestHoldSeconds, settlement } from './checkout-wiring';

/** Authorizations are looked at for as long as a hold can keep their order open, and an hour more. */
const LOOKBACK_MARGIN_SECONDS = 3600;

/**
 * Where a sweep that ran out of time goes on: kept while the container lives (one run at a
 * time, every five minutes, keeps it warm); after a cold start the sweep begins again at the
 * newest authorization, which only costs time, since every step is conditional.
 */
let resumeFrom: ReconcileCursor | undefined;

/** The payment reconciler (every few minutes): settles authorizations that a crash or a lost webhook left open. */
export const handler: ScheduledHandler = async (_event, context) => {
  const report = await runWithInvocationBudget(context, async () => {
    const settle = await settlement();
    return settle.reconcile({
      lookbackSeconds: longestHoldSeconds() + LOOKBACK_MARGIN_SECONDS,
      ...(resumeFrom ? { resumeFrom } : {}),
      timeLeftMs: () => remainingBudgetMs() ?? Number.POSITIVE_INFINITY,
      ...localGrace(),
    });
  });
  const { resumeFrom: next, ...counts } = report;
  resumeFrom = next;
  logger.info('payments reconciled', { ...counts, complete: !next, ...(next?.after ? { resumeAfter: next.after } : {}) });
  flushMetrics();
};

/** The crash tests shorten the grace on the local stage (LOCAL_RECONCILE_GRACE_SECONDS); every other stage waits the default. */
function localGrace(): { graceSeconds?: number } {
  const seconds = Number(process.env.LOCAL_RECONCILE_GRACE_SECONDS ?? Number.NaN);
  return config().STAGE === 'local' && seconds >= 0 ? { graceSeconds: seconds } : {};
}
