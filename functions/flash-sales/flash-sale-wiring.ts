import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoSaleRepository } from '#shared/adapters/dynamodb/flash-sale-repository';
import { redis } from '#shared/adapters/redis/client';
import { redisSaleState } from '#shared/adapters/redis/flash-sale-state';
import { redisInventoryGate } from '#shared/adapters/redis/inventory-gate';
import { sqs } from '#shared/adapters/sqs/client';
import { sqsTicketQueue } from '#shared/adapters/sqs/ticket-queue';
import { keyValueStoreClient, keyValueStoreEdgeFlags } from '#shared/adapters/cloudfront/kvs-edge-flags';
import { localEdgeFlags } from '#shared/adapters/cloudfront/local-edge-flags';
import { config, queueUrl, tableName } from '#shared/config';
import { logger, metrics, MetricUnit } from '#shared/observability';
import type { SaleStatus } from '#shared/flash-sales/flash-sale';
import { publicSaleView, type EdgeFlags } from '#shared/flash-sales/flash-sale-ports';
import { makeRunSales } from '#shared/flash-sales/run-sales';
import { lazy } from '#shared/platform/memoize';
import { makeGateAllocation } from '#shared/inventory/gate-allocation';
import { reservations, stockRepository } from '../inventory/inventory-wiring';

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
    ...(edgeFlags() ? { edgeFlags: edgeFlags() } : {}),
  }),
);

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

/** The public view of a sale. */
export const saleView = publicSaleView;

/** Sold out and ended are final: CloudFront may answer them without reaching the API. */
export function saleCacheControl(status: SaleStatus): string {
  if (status === 'sold_out') return 'public, max-age=30, s-maxage=60';
  if (status === 'ended') return 'public, max-age=300';
  return 'public, max-age=1';
}
