import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoSaleRepository } from '#shared/adapters/dynamodb/flash-sale-repository';
import { redis } from '#shared/adapters/redis/client';
import { redisSaleState, redisSaleSubGates } from '#shared/adapters/redis/flash-sale-state';
import { redisTicketUpdates } from '#shared/adapters/redis/ticket-updates';
import { secrets } from '#shared/adapters/aws/secrets';
import { redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { sqs } from '#shared/adapters/sqs/client';
import { sqsTicketQueue } from '#shared/adapters/sqs/ticket-queue';
import { applicationAutoScaling, awsCapacityScheduler, parseWarmTargets } from '#shared/adapters/aws/capacity-scheduler';
import { keyValueStoreClient, keyValueStoreEdgeFlags } from '#shared/adapters/cloudfront/kvs-edge-flags';
import { localEdgeFlags } from '#shared/adapters/cloudfront/local-edge-flags';
import { localCapacityScheduler } from '#shared/adapters/local/capacity-scheduler';
import { config, ConfigError, queueUrl, secretSource, tableName } from '#shared/config';
import { logger, metrics, MetricUnit } from '#shared/observability';
import type { CapacityScheduler, WarmLimits } from '#shared/flash-sales/warm-capacity';
import { now } from '#shared/platform/clock';
import type { SaleStatus } from '#shared/flash-sales/flash-sale';
import { publicSaleView, type EdgeFlags } from '#shared/flash-sales/flash-sale-ports';
import { makeRunSales, type RunSalesDeps } from '#shared/flash-sales/run-sales';
import { lazy } from '#shared/platform/memoize';
import { makeGateAllocation } from '#shared/inventory/gate-allocation';
import { reservations, stockRepository } from '../inventory/inventory-wiring';
import { flashSalesEventSourceMappings } from './flash-sales.events';
import { flashSalesFunctions } from './flash-sales.functions';
import { flashSalesRoutes } from './flash-sales.routes';

/** The limits the warmed capacity is sized within: the routes' throttles, the worker's concurrency, the budget. */
export function warmLimits(): WarmLimits {
  const throttle = (fn: { id: string }) => flashSalesRoutes.find((r) => r.function.id === fn.id)?.throttle?.rateLimit;
  const worker = flashSalesEventSourceMappings.find((m) => m.target.id === flashSalesFunctions.decideFlashSaleTickets.id);
  return {
    entryRatePerSecond: throttle(flashSalesFunctions.enterFlashSale) ?? 3000,
    pollRatePerSecond: throttle(flashSalesFunctions.getFlashSaleTicket) ?? 2000,
    decisionConcurrency: (worker?.kind === 'sqs' ? worker.maxConcurrency : undefined) ?? 16,
    budget: config().FLASH_SALE_WARM_BUDGET,
  };
}

/**
 * Application Auto Scaling when the CDK named the targets (the functions with `uses.saleCapacity`),
 * the local runtime's warm-up on the local stage, else none (a function that neither creates nor closes sales).
 */
function capacityScheduler(): CapacityScheduler | undefined {
  const targets = config().FLASH_SALE_WARM_TARGETS;
  if (targets !== undefined) return awsCapacityScheduler(applicationAutoScaling(), parseWarmTargets(targets));
  return config().STAGE === 'local' ? localCapacityScheduler(now, (message, details) => logger.error(message, details)) : undefined;
}

function capacity(): RunSalesDeps['capacity'] {
  const scheduler = capacityScheduler();
  if (!scheduler) return undefined;
  return {
    scheduler,
    limits: warmLimits(),
    failed: (step, details) => {
      logger.error(`flash sale capacity ${step} failed`, details);
      metrics.addMetric('FlashSaleCapacityFailures', MetricUnit.Count, 1);
    },
  };
}

/** The flash-sale use cases wired to DynamoDB, Redis (state and gate), SQS FIFO and inventory (made once per cold start). */
export const sales = lazy(() =>
  makeRunSales({
    sales: dynamoSaleRepository(documents, tableName('flashSales')),
    state: redisSaleState(redis, {
      customerBurst: config().FLASH_SALE_CUSTOMER_BURST,
      customerPerSecond: config().FLASH_SALE_CUSTOMER_PER_SECOND,
      salePerSecond: config().FLASH_SALE_ENTRIES_PER_SECOND,
    }),
    queue: sqsTicketQueue(sqs, () => queueUrl('flashSaleEntries')),
    allocation: makeGateAllocation({ stock: stockRepository(), gate: redisInventoryGate(redis) }),
    reservations: reservations(),
    redriveAfterSeconds: config().FLASH_SALE_REDRIVE_AFTER_SECONDS,
    log: (message, details) => logger.error(message, details),
    capacity: capacity(),
    updates: ticketUpdates(),
    subGates: redisSaleSubGates(redis),
    ...(edgeFlags() ? { edgeFlags: edgeFlags() } : {}),
  }),
);

/** Ticket changes over Redis pub/sub: published by the decision path, fanned out to this process's streams. */
export const ticketUpdates = lazy(() =>
  redisTicketUpdates(redis, { keyPrefix: config().REDIS_KEY_PREFIX, onError: (error) => logger.warn('ticket updates subscription failed; streams re-read their ticket', { error: String(error) }) }),
);

/**
 * The HMAC secret of stream tokens, for the functions with `uses.streamTokens`: STREAM_TOKEN_SECRET_ARN
 * (Secrets Manager, cached five minutes, so a rotation needs no deploy), or LOCAL_STREAM_TOKEN_SECRET on
 * the local stage only. Call it at cold start: outside the local stage a missing ARN fails closed there.
 */
export function streamTokenSecret(): () => Promise<string> {
  const source = secretSource('STREAM_TOKEN_SECRET_ARN', (settings) => settings.LOCAL_STREAM_TOKEN_SECRET);
  if ('value' in source) return async () => source.value;
  return async () => {
    const secret = await secrets().get(source.arn, { maxAge: 300 });
    if (typeof secret !== 'string' || secret === '') throw new ConfigError(`The stream token secret ${source.arn} is empty.`);
    return secret;
  };
}

/** Where sold-out and ended sales are flagged for the edge: the KeyValueStore in AWS, the local edge store locally, else nowhere. */
const edgeFlags = lazy((): EdgeFlags | undefined => {
  const { EDGE_FLAGS_KVS_ARN, EDGE_FLAGS_URL } = config();
  const flags = EDGE_FLAGS_KVS_ARN ? keyValueStoreEdgeFlags(keyValueStoreClient, EDGE_FLAGS_KVS_ARN) : EDGE_FLAGS_URL ? localEdgeFlags(EDGE_FLAGS_URL) : undefined;
  if (!flags) return undefined;
  return {
    // A failed write is counted here (and logged by the use case, which carries on: the API still answers for the sale).
    flag: (shopId, saleId, view) =>
      flags.flag(shopId, saleId, view).catch((error: unknown) => {
        metrics.addMetric('EdgeFlagFailures', MetricUnit.Count, 1);
        throw error;
      }),
  };
});

/**
 * At the init of a warmed handler (functions with `warmForSales`): starts, without awaiting,
 * what its first request would wait for. The Redis connection (TLS and the AUTH token in AWS)
 * always; the open sales into the sale cache (which also opens the DynamoDB connection) only
 * for a provisioned environment or the local runtime's warm-up, not at each on-demand cold start
 * of a drop. Nothing outside a function runtime: a test importing the module connects nowhere.
 */
export function warmUpAtInit(): void {
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return;
  const provisioned = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency' || config().STAGE === 'local';
  const warming = Promise.all([redis(), provisioned ? sales().warmUp() : Promise.resolve(0)]);
  warming.catch((error: unknown) => logger.warn('warm-up at init failed; the first request connects', { error: String(error) }));
}

/** The public view of a sale. */
export const saleView = publicSaleView;

/** Sold out and ended are final: CloudFront may answer them without reaching the API. */
export function saleCacheControl(status: SaleStatus): string {
  if (status === 'sold_out') return 'public, max-age=30, s-maxage=60';
  if (status === 'ended') return 'public, max-age=300';
  return 'public, max-age=1';
}
