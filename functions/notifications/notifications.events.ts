import { EVENT_SOURCES } from '#shared/platform/events';
import type { EventRule } from '../definitions';
import { notificationsFunctions } from './notifications.functions';

/** What the notifications context does asynchronously. Merged into the lists of functions/events.ts. */
export const notificationsEventRules: readonly EventRule[] = [
  {
    id: 'OrderEmails',
    description: 'Order events that concern the customer are emailed to them, once per event.',
    pattern: { source: [EVENT_SOURCES.orders], 'detail-type': ['OrderStatusChanged'], detail: { status: ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED'] } },
    targets: [notificationsFunctions.sendOrderEmail],
  },
];
