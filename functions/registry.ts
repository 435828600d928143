import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';
import { cartFunctions } from './cart/cart.functions';
import { catalogFunctions } from './catalog/catalog.functions';
import { checkoutFunctions } from './checkout/checkout.functions';
import { flashSalesFunctions } from './flash-sales/flash-sales.functions';
import { fulfillmentFunctions } from './fulfillment/fulfillment.functions';
import { inventoryFunctions } from './inventory/inventory.functions';
import { notificationsFunctions } from './notifications/notifications.functions';
import { ordersFunctions } from './orders/orders.functions';
import { platformFunctions } from './platform/platform.functions';
import { webhooksFunctions } from './webhooks/webhooks.functions';

/**
 * Every Lambda function of the platform: its handler file and what it may touch. Each context
 * declares its own beside its handlers (functions/<context>/<context>.functions.ts); FUNCTIONS
 * merges them. The CDK stack turns `uses` into least-privilege grants and environment variables;
 * the local runtime loads `entry` and invokes its `handler` export in process.
 */
export type TableAccess = 'read' | 'write' | 'readWrite';

export interface ResourceUse {
  readonly tables?: Partial<Record<TableKey, TableAccess>>;
  /** Reads the stream of these tables (event source). */
  readonly streams?: readonly TableKey[];
  /** Connects to the Redis cluster (VPC, security group, AUTH secret). */
  readonly redis?: boolean;
  /** Puts events on the platform bus. */
  readonly eventBus?: boolean;
  readonly queues?: Partial<Record<QueueKey, 'send' | 'consume' | 'sendConsume'>>;
  /** Sends emails through SES. */
  readonly email?: boolean;
  /** Reads the Stripe secret. */
  readonly payments?: boolean;
  /** Reads the carriers' webhook secrets. */
  readonly carrierWebhooks?: boolean;
  /** Hands orders to the warehouse (its URL and signing secret). */
  readonly warehouse?: boolean;
  /** Describes resources for health reporting (no data access). */
  readonly describeAll?: boolean;
  /** The catalog search domain (OpenSearch in AWS): query, or index documents. */
  readonly search?: 'read' | 'write';
}

export interface FunctionSpec {
  /** Construct id; PascalCase, unique. */
  readonly id: string;
  /** Handler file relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly uses: ResourceUse;
  /** @default 512 */
  readonly memoryMb?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * Cap on concurrent executions, to protect downstream systems and to refuse overload at once:
   * Lambda's reserved concurrency in AWS (it also reserves that much of the account's 1,000,
   * which must keep at least 100 unreserved), enforced the same way by the local runtime.
   */
  readonly maxConcurrency?: number;
}

/**
 * Every function of every context, as each declares them in functions/<context>/<context>.functions.ts
 * (names unique across contexts: test/unit/contexts.test.ts). The contexts come in the same order in
 * registry.ts, routes.ts and events.ts: those on a request's path, then the event-driven ones; the order
 * is only that of the functions in the template and the dashboard.
 */
export const FUNCTIONS = {
  ...platformFunctions,
  ...catalogFunctions,
  ...inventoryFunctions,
  ...cartFunctions,
  ...ordersFunctions,
  ...checkoutFunctions,
  ...flashSalesFunctions,
  ...webhooksFunctions,
  ...fulfillmentFunctions,
  ...notificationsFunctions,
};

export type FunctionKey = keyof typeof FUNCTIONS;
