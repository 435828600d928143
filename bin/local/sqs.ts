/**
 * SQS for the local runtime: the local-aws-sqs server in process, and the queues of
 * shared/platform/queues.ts (each with its dead-letter queue) created in it.
 */
import { createServer, type Server } from 'node:http';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { QUEUES, QUEUE_KEYS, deadLetterQueueName, type QueueDefinition, type QueueKey } from '#shared/platform/queues';

export interface LocalSqs {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly name: string;
}

/** Dead-letter queues keep messages for the maximum SQS allows (14 days). */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Starts local-aws-sqs in this process on 127.0.0.1 (port 0 = a free one). Queue URLs it hands
 * out point at 127.0.0.1 and the real port. Deleted queues can be recreated at once (the
 * 60-second AWS wait is not emulated).
 */
export async function startSqs(opts: { port?: number } = {}): Promise<LocalSqs> {
  const { requestHandler, service } = createRequestHandler({
    port: opts.port ?? 0,
    hostname: '127.0.0.1',
    region: 'us-east-1',
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer((req, res) => {
    requestHandler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  const port = await listen(server, opts.port ?? 0, 'local SQS');
  service.PORT = port; // the queue URLs use it
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    stop() {
      stopped ??= new Promise<void>((resolveStop) => {
        server.close(() => resolveStop());
        server.closeAllConnections();
        service.resetAll();
      });
      return stopped;
    },
  };
}

/** Listens on 127.0.0.1; rejects on an error (port taken) instead of crashing the process. */
function listen(server: Server, port: number, what: string): Promise<number> {
  return new Promise<number>((resolveListen, reject) => {
    const onError = (error: Error) => reject(new Error(`${what} could not listen on 127.0.0.1:${port}: ${error.message}`));
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolveListen(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Creates the queue or, if it exists with other attributes, updates the mutable ones. */
async function createOrUpdate(client: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  let url: string | undefined;
  try {
    url = (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
  } catch (error) {
    const errorName = (error as Error).name;
    if (errorName !== 'QueueNameExists' && errorName !== 'QueueAlreadyExists') throw error;
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    const { FifoQueue: _immutable, ...mutable } = attributes;
    if (url) await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
  const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
  return { url, arn };
}

async function ensureQueue(client: SQSClient, prefix: string, def: QueueDefinition): Promise<LocalQueue> {
  const base = `${prefix}${def.logicalName}`;
  const name = def.fifo ? `${base}.fifo` : base;
  const fifo: Record<string, string> = def.fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {};
  const dlq = await createOrUpdate(client, deadLetterQueueName(base, def.fifo), {
    ...fifo,
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
  });
  const queue = await createOrUpdate(client, name, {
    ...fifo,
    ...(def.fifo && def.highThroughput ? { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } : {}),
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(Math.min(def.retentionDays * 24 * 3600, DLQ_RETENTION_SECONDS)),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: def.maxReceiveCount }),
  });
  return { name, url: queue.url, arn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/**
 * Creates every queue of QUEUES (`${prefix}${logicalName}`, `.fifo` for FIFO) and its
 * dead-letter queue with the redrive policy, visibility timeout, retention and FIFO settings
 * (ContentBasedDeduplication false; high throughput: DeduplicationScope messageGroup and
 * FifoThroughputLimit perMessageGroupId). Idempotent.
 */
export async function ensureQueues(client: SQSClient, prefix: string): Promise<Record<QueueKey, LocalQueue>> {
  if (!/^[A-Za-z0-9_-]*$/.test(prefix)) throw new Error(`Queue name prefix "${prefix}" may only contain letters, digits, '_' and '-'`);
  const entries = await Promise.all(QUEUE_KEYS.map(async (key) => [key, await ensureQueue(client, prefix, QUEUES[key])] as const));
  return Object.fromEntries(entries) as Record<QueueKey, LocalQueue>;
}

/** Environment variables for functions: `{ QUEUE_URL_FLASH_SALE_ENTRIES: url }`. */
export function queueEnv(queues: Record<QueueKey, LocalQueue>): Record<string, string> {
  return Object.fromEntries(QUEUE_KEYS.map((key) => [QUEUES[key].envVar, queues[key].url]));
}
