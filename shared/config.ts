import { z } from 'zod';
import { QUEUES, type QueueKey } from '#shared/platform/queues';
import { TABLES, type TableKey } from '#shared/platform/tables';

/**
 * Configuration from the environment, parsed once (at cold start) and validated.
 * A missing value fails loudly with the variable's name instead of surfacing later as
 * an SDK error. Functions only get the variables of what they use, so the per-resource
 * getters below throw when a function reaches for something it was not given.
 */
const EnvSchema = z.object({
  STAGE: z.string().min(1).default('local'),
  SERVICE_NAME: z.string().default('commerce'),
  AWS_REGION: z.string().default('us-east-1'),
  /** Redis: either a URL (local) or host/port/TLS with the AUTH token in Secrets Manager (AWS). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  REDIS_HOST: z.string().optional(),
  REDIS_PORT: z.coerce.number().int().positive().default(6379),
  REDIS_TLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** ElastiCache with cluster mode enabled: connect with the cluster client. */
  REDIS_CLUSTER: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  REDIS_AUTH_SECRET_ARN: z.string().optional(),
  /** Prefix of every Redis key, so tests can share one server without clashing. */
  REDIS_KEY_PREFIX: z.string().default(''),
  EVENT_BUS_NAME: z.string().optional(),
  /** Catalog search: OpenSearch in AWS, the embedded engine locally. */
  SEARCH_ENGINE: z.enum(['opensearch', 'embedded']).default('embedded'),
  OPENSEARCH_ENDPOINT: z.string().optional(),
  OPENSEARCH_INDEX: z.string().default('products'),
  SES_FROM_ADDRESS: z.string().optional(),
  /** Secrets Manager ARN of the Stripe keys (AWS); locally STRIPE_SECRET_KEY and a local server. */
  STRIPE_SECRET_ARN: z.string().optional(),
  /** Local runtime and tests: the key, the webhook secret and the URL of the local Stripe test server. */
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_URL: z.url().optional(),
  /** Secrets Manager ARN of the carriers' webhook secrets, a JSON object by carrier (AWS). */
  CARRIER_SECRETS_ARN: z.string().optional(),
  /** Local stage only: the one secret every carrier signs with (api.md, Webhooks). Ignored elsewhere. */
  LOCAL_CARRIER_SECRET: z.string().default('local-carrier-secret'),
  SES_CONFIGURATION_SET: z.string().optional(),
  /** Flash-sale entry rate limits (Redis token buckets): per customer (burst, refill per second) and per sale. */
  FLASH_SALE_CUSTOMER_BURST: z.coerce.number().int().positive().default(5),
  FLASH_SALE_CUSTOMER_PER_SECOND: z.coerce.number().positive().default(1),
  FLASH_SALE_ENTRIES_PER_SECOND: z.coerce.number().int().positive().default(50_000),
  /** A flash-sale ticket still queued this long after its entry (its message lost to a DLQ, a purge, a crash) is decided by the minute job. */
  FLASH_SALE_REDRIVE_AFTER_SECONDS: z.coerce.number().int().positive().default(240),
  /**
   * AWS: the provisioned-concurrency targets warmed around flash sales, JSON
   * `[{"load": "entries", "resourceId": "function:<name>:live"}, ...]` (set by the CDK on the
   * functions that schedule them). Absent locally: the local runtime warms its own handlers.
   */
  FLASH_SALE_WARM_TARGETS: z.string().optional(),
  /** The most provisioned concurrency one sale may take, all warmed functions together (docs/capacity.md). */
  FLASH_SALE_WARM_BUDGET: z.coerce.number().int().min(3).default(400),
  /** How long a reservation holds stock unless a caller says otherwise (tests use seconds). */
  RESERVATION_SECONDS: z.coerce.number().int().positive().default(900),
  /** Fulfilment: the warehouse (WMS) endpoint confirmed orders are POSTed to, and the HMAC secret signing them. */
  WAREHOUSE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The CloudFront KeyValueStore of sale flags the edge answers from (AWS). */
  EDGE_FLAGS_KVS_ARN: z.string().optional(),
  /** The local platform's edge store (bin/local/edge-store.ts), when there is no KeyValueStore. */
  EDGE_FLAGS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Secrets Manager ARN of the warehouse signing secret (AWS; WAREHOUSE_SECRET on the local stage only). */
  WAREHOUSE_SECRET_ARN: z.string().optional(),
  WAREHOUSE_SECRET: z.string().min(1).default('local-warehouse-secret'),
  /** Secrets Manager ARN of the HMAC secret of flash-sale stream tokens (AWS; LOCAL_STREAM_TOKEN_SECRET on the local stage only). */
  STREAM_TOKEN_SECRET_ARN: z.string().optional(),
  LOCAL_STREAM_TOKEN_SECRET: z.string().min(1).default('local-stream-token-secret'),
  /** A ticket's event stream ends after about this long (the client reconnects with Last-Event-ID). */
  FLASH_SALE_STREAM_SECONDS: z.coerce.number().int().min(1).max(840).default(120),
  /** A stream sends a comment at least this often (api.md: at least every 15 s). */
  FLASH_SALE_STREAM_HEARTBEAT_MS: z.coerce.number().int().min(10).max(15_000).default(15_000),
  /** A stream reads its ticket again at least this often, in case an announcement was lost. */
  FLASH_SALE_STREAM_REREAD_MS: z.coerce.number().int().min(10).default(10_000),
  /** Local runtime only: the HS256 secret of local tokens. AWS uses Cognito's JWT authorizer. */
  LOCAL_JWT_SECRET: z.string().default('local-dev-secret'),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/** Forget the parsed configuration (tests and the local runtime change the environment). */
export function resetConfig(): void {
  cached = undefined;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`Missing environment variable ${name}: this function was not given that resource`);
  return value;
}

export function tableName(table: TableKey): string {
  return required(TABLES[table].envVar);
}

export function queueUrl(queue: QueueKey): string {
  return required(QUEUES[queue].envVar);
}

export function eventBusName(): string {
  return config().EVENT_BUS_NAME ?? required('EVENT_BUS_NAME');
}

/** The From address of customer emails: SES_FROM_ADDRESS, or a local one on the local stage only. */
export function sesFromAddress(): string {
  const { SES_FROM_ADDRESS, STAGE } = config();
  return SES_FROM_ADDRESS ?? (STAGE === 'local' ? 'orders@demo-shop.local' : required('SES_FROM_ADDRESS'));
}

/**
 * Where a secret comes from: its Secrets Manager ARN, or on the local stage only the local
 * value (a public default, in the repository). Outside the local stage a missing ARN stops the
 * function with a ConfigError (fail closed) instead of signing or verifying with a value anyone
 * can read. Call it at cold start, so a misconfigured function fails before serving anything.
 */
export function secretSource(
  arnVariable: 'CARRIER_SECRETS_ARN' | 'WAREHOUSE_SECRET_ARN' | 'STREAM_TOKEN_SECRET_ARN',
  localValue: (settings: Config) => string,
): { readonly arn: string } | { readonly value: string } {
  const settings = config();
  const arn = settings[arnVariable];
  if (arn) return { arn };
  if (settings.STAGE === 'local') return { value: localValue(settings) };
  throw new ConfigError(
    `Missing environment variable ${arnVariable} on stage ${settings.STAGE}: this function needs the secret's Secrets Manager ARN (outside the local stage no local default is used).`,
  );
}
