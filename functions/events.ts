import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';
import { EVENT_SOURCES } from '#shared/platform/events';
import { catalogEventRules, catalogEventSourceMappings } from './catalog/catalog.events';
import { checkoutEventRules, checkoutSchedules } from './checkout/checkout.events';
import { flashSalesEventRules, flashSalesEventSourceMappings, flashSalesSchedules } from './flash-sales/flash-sales.events';
import { fulfillmentEventRules } from './fulfillment/fulfillment.events';
import { inventoryEventRules, inventoryEventSourceMappings, inventorySchedules } from './inventory/inventory.events';
import { notificationsEventRules } from './notifications/notifications.events';
import { ordersEventSourceMappings } from './orders/orders.events';
import type { FunctionSpec } from './registry';

/**
 * The asynchronous wiring of the platform: EventBridge rules, schedules and event source
 * mappings, merged from what each context declares beside its handlers
 * (functions/<context>/<context>.events.ts). The CDK stack creates them in AWS; the local runtime applies the very same
 * lists (in-process bus, timers, SQS and stream pollers).
 */

/** An EventBridge event pattern: values, prefix, suffix, anything-but, exists, numeric, wildcard, cidr, `$or`. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly PatternValue[] | readonly EventPattern[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly cidr: string }
  | { readonly 'anything-but': string | number | readonly (string | number)[] | { readonly prefix: string } | { readonly suffix: string } }
  | { readonly exists: boolean }
  | { readonly numeric: readonly (string | number)[] };

export interface EventRule {
  readonly id: string;
  readonly description: string;
  readonly pattern: EventPattern;
  readonly targets: readonly FunctionSpec[];
}

export interface Schedule {
  readonly id: string;
  readonly description: string;
  readonly everyMinutes: number;
  readonly target: FunctionSpec;
}

export type EventSourceMapping =
  | {
      readonly id: string;
      readonly kind: 'sqs';
      readonly queue: QueueKey;
      readonly target: FunctionSpec;
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds?: number;
      /** Lambda's maximum concurrency of the SQS poller. */
      readonly maxConcurrency?: number;
    }
  | {
      readonly id: string;
      readonly kind: 'dynamodbStream';
      readonly table: TableKey;
      readonly target: FunctionSpec;
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds?: number;
      readonly retryAttempts: number;
    };

export { EVENT_SOURCES };

/** Every context's rules (in AWS and on the local bus, each matching rule gets the event independently: order does not matter). */
export const EVENT_RULES: readonly EventRule[] = [
  ...catalogEventRules,
  ...inventoryEventRules,
  ...checkoutEventRules,
  ...flashSalesEventRules,
  ...fulfillmentEventRules,
  ...notificationsEventRules,
];

export const SCHEDULES: readonly Schedule[] = [...inventorySchedules, ...checkoutSchedules, ...flashSalesSchedules];

export const EVENT_SOURCE_MAPPINGS: readonly EventSourceMapping[] = [
  ...catalogEventSourceMappings,
  ...inventoryEventSourceMappings,
  ...ordersEventSourceMappings,
  ...flashSalesEventSourceMappings,
];
