/**
 * SQS queues of the platform, as plain data read by the CDK stack and the local runtime.
 */
export interface QueueDefinition {
  readonly logicalName: string;
  readonly envVar: string;
  readonly fifo: boolean;
  /** FIFO high-throughput mode: deduplication and throughput per message group. */
  readonly highThroughput?: boolean;
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
  readonly description: string;
}

export const QUEUES = {
  flashSaleEntries: {
    logicalName: 'FlashSaleEntries',
    envVar: 'QUEUE_URL_FLASH_SALE_ENTRIES',
    fifo: true,
    highThroughput: true,
    // 6 × the worker's timeout, as AWS advises for Lambda consumers (room for retries when throttled).
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: 5,
    retentionDays: 1,
    description: 'The flash-sale virtual queue: admitted tickets, deduplicated by ticket.',
  },
  productImports: {
    logicalName: 'ProductImports',
    envVar: 'QUEUE_URL_PRODUCT_IMPORTS',
    fifo: false,
    // 6 × the import worker's timeout, as for the flash-sale queue.
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
    retentionDays: 4,
    description: 'Bulk product imports: one chunk of up to 100 lines a message, written once each by the import worker.',
  },
} as const satisfies Record<string, QueueDefinition>;

export type QueueKey = keyof typeof QUEUES;
export const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];

/** Name of the dead-letter queue of a queue (FIFO queues need a FIFO DLQ). */
export function deadLetterQueueName(name: string, fifo: boolean): string {
  return fifo ? `${name}-dlq.fifo` : `${name}-dlq`;
}
