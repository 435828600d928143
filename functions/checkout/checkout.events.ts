import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule, Schedule } from '../definitions';
import { checkoutFunctions } from './checkout.functions';

/** What the checkout context does asynchronously. Merged into the lists of functions/events.ts. */
export const checkoutEventRules: readonly EventRule[] = [
  {
    id: 'ExpiredCheckouts',
    description: 'A checkout reservation that expired cancels its PENDING order and voids the payment.',
    pattern: { source: [EVENT_SOURCES.inventory], 'detail-type': ['ReservationExpired'], detail: { source: ['checkout'] } },
    targets: [checkoutFunctions.expireCheckout],
  },
];

export const checkoutSchedules: readonly Schedule[] = [
  { id: 'ReconcilePayments', description: 'Settle authorizations left open by a crash or a lost webhook.', everyMinutes: 5, target: checkoutFunctions.reconcilePayments },
];
