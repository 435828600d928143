import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { WARMED_FOR_SALES } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES } from '#functions/routes';
import type { QueueKey } from '#shared/platform/queues';
import type { TableKey } from '#shared/platform/tables';
import { ensureTables, localTableNames, startDynamoDbLocal, tableEnv, type DynamoDbLocal } from './dynamodb-local';
import { startEventBus, type LocalEventBus } from './event-bus';
import { EDGE_FUNCTION_PATHS, LocalKeyValueStore, loadEdgeFunction, SOLD_OUT_FUNCTION_FILE } from './edge-function';
import { startLocalEdgeStore } from './edge-store';
import { startGateway, type LocalGateway } from './gateway';
import { DEFAULT_WEB_DIST, demoIdentities, webApps } from './web-apps';
import { DEMO_SHOP } from './demo-shop';
import { createInvoker, type LocalInvoker } from './lambda-context';
import { resolveRedis } from './redis-server';
import { startSchedules } from './schedules';
import { startSes } from './ses';
import { ensureQueues, queueEnv, startSqs, type LocalQueue } from './sqs';
import { startSqsEventSources, wakeOnSends } from './sqs-event-source';
import { startStreamEventSources, wakeOnWrites } from './stream-event-source';
import { signLocalToken } from './local-jwt';
import { freePort } from './ports';
import { startSimulatedWarehouse, type SimulatedWarehouse } from './simulated-warehouse';
import { startStripeServer, type LocalStripe } from './stripe-server';

/**
 * The whole platform on one machine: AWS's own DynamoDB engine, Redis, in-process SQS,
 * SES and EventBridge stand-ins, the schedules as timers, the event source mappings as
 * pollers, and the HTTP gateway in front of the same handlers Lambda runs. `npm start`
 * and the HTTP tests both start it through here.
 */
export interface PlatformOptions {
  /** Keep data there (DynamoDB files, Redis AOF, the SQS journal, stream checkpoints); in memory when absent. */
  readonly dataDir?: string;
  /** Gateway port. @default 3000; 0 picks a free one */
  readonly port?: number;
  /** Use this Redis when it answers; else a redis-server is started. */
  readonly redisUrl?: string;
  /** Use an already running DynamoDB Local (tests share one) instead of starting one. */
  readonly dynamodbEndpoint?: string;
  /** Prefix of table names, queue names and Redis keys, so several platforms share engines. */
  readonly namePrefix?: string;
  /** @default LOCAL_JWT_SECRET or 'local-dev-secret' */
  readonly jwtSecret?: string;
  /** Powertools log level of the handlers. @default WARN */
  readonly logLevel?: string;
  /** Scale of schedule periods (1/60 runs a one-minute schedule every second). @default 1 */
  readonly scheduleTimeScale?: number;
  /** Apply the route table's throttling in the gateway. @default true */
  readonly throttling?: boolean;
  /** A Stripe test server started elsewhere, which outlives this platform as Stripe outlives a Lambda (crash tests); its webhooks must go to this gateway, signed with LOCAL_STRIPE_WEBHOOK_SECRET. @default one started here */
  readonly stripeUrl?: string;
  /** Added latency of the local Stripe test server, per request (benchmarks). @default 0 */
  readonly stripeLatencyMs?: number;
  /** How long the simulated warehouse takes to pick a confirmed order. @default 5000 */
  readonly warehousePickDelayMs?: number;
  /** The time the use cases read (`now()` of #shared/platform/clock): tests pass one they advance, so a hold expires or a sale ends without a wait. @default the system clock */
  readonly clock?: () => Date;
  /** The built web apps (storefront, console). @default web/dist (built by `npm run web:build`, or by npm start) */
  readonly webDistDir?: string;
  /** Progress and runtime messages for people. */
  readonly log?: (line: string) => void;
}

export interface Platform {
  readonly url: string;
  readonly inboxUrl: string;
  readonly endpoints: { readonly dynamodb: string; readonly redis: string; readonly sqs: string; readonly ses: string; readonly eventBridge: string };
  readonly tables: Record<TableKey, string>;
  readonly queues: Record<QueueKey, LocalQueue>;
  readonly env: Readonly<Record<string, string>>;
  readonly eventBus: LocalEventBus;
  readonly invoke: LocalInvoker;
  /** The Stripe-compatible test server the `stripe` SDK talks to, with its signed webhooks. */
  readonly stripe: LocalStripe;
  /** The stand-in WMS that receives confirmed orders and reports them PICKED. */
  readonly warehouse: SimulatedWarehouse;
  /** Resolves when the event bus and the pollers have nothing in flight (tests). */
  idle(): Promise<void>;
  /** Runs a schedule's target now, as its timer would (tests, operators). */
  runSchedule(id: string): Promise<void>;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
/** The secret the local Stripe test server signs its webhooks with. */
export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_local_commerce';
const REGION = 'us-east-1';

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? (() => undefined);
  const prefix = options.namePrefix ?? '';
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  try {
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const value = await run();
      log(`  ✓ ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return value;
    };

    // The engines start in parallel; DynamoDB Local (Java) is the slow one.
    const [dynamo, redis, sqsServer, sesServer] = await Promise.all([
      options.dynamodbEndpoint
        ? Promise.resolve<DynamoDbLocal>({ endpoint: options.dynamodbEndpoint, port: Number(new URL(options.dynamodbEndpoint).port), stop: async () => undefined })
        : step('DynamoDB Local', () => startDynamoDbLocal({ ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}) })),
      step('Redis', () =>
        resolveRedis({ ...(options.redisUrl ? { url: options.redisUrl } : {}), ...(options.dataDir ? { dataDir: join(options.dataDir, 'redis') } : {}), log: (line) => log(`    ${line}`) }),
      ),
      // Durable with a data folder: queued messages and FIFO deduplication survive a kill -9; what was in flight in the dead process is redelivered at once.
      step('SQS (in process)', () => startSqs({ ...(options.dataDir ? { dataDir: join(options.dataDir, 'sqs'), redeliverInFlightAtStart: true } : {}), log: (line) => log(`    ${line}`) })),
      step('SES (in process)', () => startSes()),
    ]);
    stops.push(
      () => dynamo.stop(),
      () => redis.stop(),
      () => sqsServer.stop(),
      () => sesServer.stop(),
    );

    const dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
    const sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: REGION, credentials: CREDENTIALS });
    const tables = localTableNames(prefix);
    const [queues] = await Promise.all([step('SQS queues', () => ensureQueues(sqs, prefix)), step('DynamoDB tables', () => ensureTables(dynamodb, tables))]);

    // The gateway's port is chosen first: the payment server and the warehouse call it back.
    const gatewayPort = options.port === 0 ? await freePort() : (options.port ?? 3000);
    const apiUrl = `http://127.0.0.1:${gatewayPort}`;
    const jwtSecret = options.jwtSecret ?? process.env.LOCAL_JWT_SECRET ?? 'local-dev-secret';
    const stripeWebhookSecret = LOCAL_STRIPE_WEBHOOK_SECRET;
    const [stripe, warehouse] = await Promise.all([
      options.stripeUrl
        ? Promise.resolve(stripeStartedElsewhere(options.stripeUrl))
        : step('Stripe test server', () => startStripeServer({ latencyMs: options.stripeLatencyMs ?? 0, webhooks: [{ url: `${apiUrl}/v1/webhooks/stripe`, secret: stripeWebhookSecret }] })),
      step('simulated warehouse', () =>
        startSimulatedWarehouse({
          apiUrl,
          pickDelayMs: options.warehousePickDelayMs ?? 5_000,
          secret: 'local-warehouse-secret',
          ...(options.dataDir ? { journalFile: join(options.dataDir, 'warehouse.jsonl') } : {}),
          adminToken: (shopId) => signLocalToken({ sub: 'warehouse', groups: ['admin'], shops: [shopId] }, jwtSecret, '1h'),
          log: (entry) => log(`    warehouse: ${JSON.stringify(entry)}`),
        }),
      ),
    ]);
    stops.push(
      () => stripe.stop(),
      () => warehouse.stop(),
    );

    const busName = `${prefix}commerce-bus`;
    const invoke = createInvoker();
    const eventBus = await startEventBus({ busName, rules: EVENT_RULES, invoke, log: (entry) => log(`    bus: ${JSON.stringify(entry)}`) });
    stops.push(() => eventBus.stop());

    // The local CloudFront KeyValueStore: the handlers write sale flags to it, the gateway's edge function reads them.
    const edgeStore = new LocalKeyValueStore();
    const edgeStoreServer = await startLocalEdgeStore(edgeStore);
    stops.push(() => edgeStoreServer.stop());

    // Handlers read their configuration from the environment at cold start, exactly as
    // in Lambda; they are imported lazily, after this.
    const env: Record<string, string> = {
      STAGE: 'local',
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      AWS_ENDPOINT_URL_SESV2: sesServer.endpoint,
      AWS_ENDPOINT_URL_SES: sesServer.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBus.endpoint,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      SEARCH_ENGINE: 'embedded',
      EVENT_BUS_NAME: busName,
      SES_FROM_ADDRESS: 'orders@demo.shop.local',
      LOCAL_JWT_SECRET: jwtSecret,
      STRIPE_SECRET_KEY: 'sk_test_local',
      STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
      STRIPE_API_URL: stripe.url,
      WAREHOUSE_URL: warehouse.url,
      WAREHOUSE_SECRET: 'local-warehouse-secret',
      EDGE_FLAGS_URL: edgeStoreServer.url,
      POWERTOOLS_SERVICE_NAME: 'commerce',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: 'local',
      ...tableEnv(tables),
      ...queueEnv(queues),
    };
    Object.assign(process.env, env);
    (await import('#shared/config')).resetConfig();
    if (options.clock) {
      const restoreClock = (await import('#shared/platform/clock')).useClock(options.clock);
      stops.push(async () => restoreClock());
    }
    stops.push(async () => (await import('#shared/adapters/redis/client')).closeRedis());
    stops.push(async () => (await import('#shared/adapters/redis/ticket-updates')).closeTicketUpdates());
    // No provisioned concurrency here: a sale's warm-up loads the warmed handlers (imports and init) ahead of its start.
    const { setLocalWarmUp } = await import('#shared/adapters/local/capacity-scheduler');
    setLocalWarmUp(async () => {
      await Promise.all(WARMED_FOR_SALES.map((spec) => invoke.warm?.(spec)));
    });
    stops.push(async () => setLocalWarmUp(undefined));

    const indexed = await step('search index rebuilt from the catalog', async () => (await import('./search-warm-up')).rebuildEmbeddedSearch());
    if (indexed > 0) log(`    ${indexed} products indexed`);

    const schedules = startSchedules(SCHEDULES, invoke, { timeScale: options.scheduleTimeScale ?? 1, log: (entry) => log(`    schedule: ${JSON.stringify(entry)}`) });
    stops.push(() => schedules.stop());
    // Flash sales whose Redis state did not survive (a Redis started without its data) are rebuilt before traffic arrives.
    await step('flash sales checked against Redis', () => schedules.runNow('CloseFlashSales'));
    const sqsSources = startSqsEventSources({ mappings: EVENT_SOURCE_MAPPINGS, queues, client: sqs, invoke, log: (entry) => log(`    sqs: ${JSON.stringify(entry)}`) });
    stops.push(() => sqsSources.stop());
    // The pollers back off while idle; what the handlers send or write wakes them at once.
    const handlerClients = { sqs: (await import('#shared/adapters/sqs/client')).sqs, dynamodb: (await import('#shared/adapters/dynamodb/client')).dynamodb };
    const unwakeQueues = wakeOnSends(handlerClients.sqs, (queueUrl) => sqsSources.notifySend(queueUrl));
    stops.push(async () => unwakeQueues());
    const streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
    const streamSources = startStreamEventSources({
      mappings: EVENT_SOURCE_MAPPINGS,
      tableNames: tables,
      dynamodb,
      streams,
      invoke,
      ...(options.dataDir ? { checkpointFile: join(options.dataDir, 'stream-checkpoints.json') } : {}),
      log: (entry) => log(`    stream: ${JSON.stringify(entry)}`),
    });
    stops.push(() => streamSources.stop());
    const unwakeStreams = wakeOnWrites(handlerClients.dynamodb, (tableNames) => streamSources.notifyWrite(tableNames));
    stops.push(async () => unwakeStreams());

    const gateway: LocalGateway = await step('HTTP gateway', () =>
      startGateway({
        routes: ROUTES,
        fallback: DEFAULT_ROUTE.function,
        invoke,
        jwtSecret: env.LOCAL_JWT_SECRET!,
        port: gatewayPort,
        throttling: options.throttling ?? true,
        // The sold-out function on the paths of the cache behaviours it is associated with in AWS (lib/edge.ts).
        edge: { handler: loadEdgeFunction(SOLD_OUT_FUNCTION_FILE, edgeStore), paths: EDGE_FUNCTION_PATHS },
        site: webApps({
          distDir: options.webDistDir ?? DEFAULT_WEB_DIST,
          jwtSecret: env.LOCAL_JWT_SECRET!,
          shopId: DEMO_SHOP.shopId,
          identities: demoIdentities(DEMO_SHOP.shopId),
          inboxUrl: sesServer.inboxUrl,
        }),
        log: (entry) => log(`    gateway: ${JSON.stringify(entry)}`),
      }),
    );
    stops.push(() => gateway.stop());

    return {
      url: gateway.url,
      inboxUrl: sesServer.inboxUrl,
      endpoints: { dynamodb: dynamo.endpoint, redis: redis.url, sqs: sqsServer.endpoint, ses: sesServer.endpoint, eventBridge: eventBus.endpoint },
      tables,
      queues,
      env,
      eventBus,
      invoke,
      stripe,
      warehouse,
      async idle() {
        await Promise.all([eventBus.idle(), sqsSources.idle(), streamSources.idle(), stripe.idle()]);
      },
      runSchedule: (id) => schedules.runNow(id),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A Stripe test server that another process runs and controls: here only its URL is used. */
function stripeStartedElsewhere(url: string): LocalStripe {
  const elsewhere = (): never => {
    throw new Error(`The Stripe test server at ${url} was started by another process: control it there.`);
  };
  return {
    url,
    port: Number(new URL(url).port),
    addWebhookEndpoint: elsewhere,
    dropWebhooks: elsewhere,
    revokeApiKey: elsewhere,
    seedPaymentIntent: elsewhere,
    get listCalls() {
      return elsewhere();
    },
    get events() {
      return elsewhere();
    },
    idle: async () => undefined,
    stop: async () => undefined,
  };
}
