import type { WarmLoad } from '#shared/flash-sales/warm-capacity';
import type { RouteAuth, RouteContract } from '#shared/http/contract';
import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';

/**
 * The shapes of the platform's definitions: a function (handler and what it may touch), a
 * route, an event rule, a schedule, an event source mapping. The contexts' declaration files
 * (functions/<context>/<context>.functions.ts, .routes.ts, .events.ts) and the modules that
 * merge them (registry.ts, routes.ts, events.ts) all import them from here, so that no
 * declaration file imports the module that imports it.
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
  /** Writes sale flags to the CloudFront KeyValueStore the edge answers from (EDGE_FLAGS_KVS_ARN). */
  readonly edgeFlags?: boolean;
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
  /** Signs or verifies the stream tokens of flash-sale tickets (STREAM_TOKEN_SECRET_ARN). */
  readonly streamTokens?: boolean;
  /** Schedules and releases the provisioned concurrency of the functions warmed for flash sales (`warmForSales`), in its own context. */
  readonly saleCapacity?: boolean;
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
  /**
   * Warmed before each flash sale: provisioned concurrency from a few minutes before its start to
   * its end, sized for this load (shared/flash-sales/warm-capacity.ts). In AWS the function is then
   * invoked through its `live` alias, which Application Auto Scaling scales; locally its handler is
   * loaded ahead of the start. Every function of the list WARMED_FOR_SALES (registry.ts) has it.
   */
  readonly warmForSales?: WarmLoad;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type { RouteAuth };

export interface Throttle {
  /** Steady-state requests per second for the route across all clients. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/shops/{shopId}/cart/items/{sku}`. */
  readonly path: string;
  readonly function: FunctionSpec;
  /** Who may call it; always the contract's `auth` (see route() in define.ts). */
  readonly auth: RouteAuth;
  readonly contract: RouteContract;
  /** @default DEFAULT_THROTTLE */
  readonly throttle?: Throttle;
  /**
   * The handler streams its answer (shared/http/streaming.ts): in AWS the function gets a function
   * URL in RESPONSE_STREAM mode behind its own CloudFront behaviour instead of an HTTP API route
   * (HTTP APIs do not stream), so no API Gateway throttle or authorizer applies: such a route is
   * `signed` or `public`, and its function's concurrency bounds it. The local gateway streams it.
   * @default false
   */
  readonly responseStreaming?: boolean;
}

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
