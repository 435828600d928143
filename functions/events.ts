import { EVENT_SOURCES } from '#shared/platform/events';
import { catalogEventRules, catalogEventSourceMappings } from './catalog/catalog.events';
import { checkoutEventRules, checkoutSchedules } from './checkout/checkout.events';
import { flashSalesEventRules, flashSalesEventSourceMappings, flashSalesSchedules } from './flash-sales/flash-sales.events';
import { fulfillmentEventRules } from './fulfillment/fulfillment.events';
import { inventoryEventRules, inventoryEventSourceMappings, inventorySchedules } from './inventory/inventory.events';
import { notificationsEventRules } from './notifications/notifications.events';
import { ordersEventSourceMappings } from './orders/orders.events';

/**
 * The asynchronous wiring of the platform: EventBridge rules, schedules and event source
 * mappings, merged from what each context declares beside its handlers
 * (functions/<context>/<context>.events.ts). The CDK stack creates them in AWS; the local runtime applies the very same
 * lists (in-process bus, timers, SQS and stream pollers).
 */

export type { EventPattern, EventRule, EventSourceMapping, PatternValue, Schedule } from './definitions';
import type { EventRule, EventSourceMapping, Schedule } from './definitions';

export { EVENT_SOURCES };

/** Every context's rules (in AWS and on the local bus, each matching rule gets the event independently: order does not matter). */
export const EVENT_RULES: readonly EventRule[] = [...catalogEventRules, ...inventoryEventRules, ...checkoutEventRules, ...flashSalesEventRules, ...fulfillmentEventRules, ...notificationsEventRules];

export const SCHEDULES: readonly Schedule[] = [...inventorySchedules, ...checkoutSchedules, ...flashSalesSchedules];

export const EVENT_SOURCE_MAPPINGS: readonly EventSourceMapping[] = [...catalogEventSourceMappings, ...inventoryEventSourceMappings, ...ordersEventSourceMappings, ...flashSalesEventSourceMappings];
