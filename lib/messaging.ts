import { Duration, Stack } from 'aws-cdk-lib';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { DeduplicationScope, FifoThroughputLimit, type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUES, type QueueDefinition } from '#shared/platform/queues';

/** A queue with its dead-letter queue and definition. */
export interface QueueResource {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly definition: QueueDefinition;
}

export interface MessagingProps {
  /**
   * The queues to create, by key.
   * @default QUEUES from shared/platform/queues.ts
   */
  readonly queues?: Readonly<Record<string, QueueDefinition>>;
  /** How long the bus archive keeps events (for replay). @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /** How long a dead-letter queue keeps a message. @default Duration.days(14) (the maximum) */
  readonly deadLetterRetention?: Duration;
}

/**
 * The platform's event bus (with an archive for replays) and its SQS queues, generated from
 * the shared queue definitions: each with a dead-letter queue after `maxReceiveCount`
 * receives, SQS-managed encryption and TLS-only access; FIFO queues in high-throughput mode
 * (deduplication and throughput per message group) where the definition asks for it.
 */
export class Messaging extends Construct {
  readonly eventBus: IEventBus;
  readonly queues: Readonly<Record<string, QueueResource>>;

  constructor(scope: Construct, id: string, props: MessagingProps = {}) {
    super(scope, id);
    const definitions: Readonly<Record<string, QueueDefinition>> = props.queues ?? QUEUES;
    const deadLetterRetention = props.deadLetterRetention ?? Duration.days(14);
    const archiveRetention = props.archiveRetention ?? Duration.days(30);
    validate(this, definitions, deadLetterRetention, archiveRetention);

    const bus = new EventBus(this, 'Bus', { description: 'Commerce platform events (orders, inventory, catalog, flash sales)' });
    bus.archive('Archive', {
      description: 'Every event of the platform bus, for replay',
      eventPattern: { account: [Stack.of(this).account] },
      retention: archiveRetention,
    });
    this.eventBus = bus;

    const queues: Record<string, QueueResource> = {};
    for (const [key, definition] of Object.entries(definitions)) {
      const fifo = definition.fifo ? { fifo: true } : {};
      const deadLetterQueue = new Queue(this, `${definition.logicalName}Dlq`, {
        ...fifo,
        retentionPeriod: deadLetterRetention,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new Queue(this, definition.logicalName, {
        ...fifo,
        ...(definition.highThroughput ? { deduplicationScope: DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
        visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(definition.retentionDays),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      queues[key] = { queue, deadLetterQueue, definition };
    }
    this.queues = queues;
  }
}

function validate(scope: Construct, definitions: Readonly<Record<string, QueueDefinition>>, deadLetterRetention: Duration, archiveRetention: Duration): void {
  const where = scope.node.path;
  const dlqSeconds = deadLetterRetention.toSeconds();
  if (dlqSeconds < 60 || dlqSeconds > 14 * 86_400) throw new Error(`${where}: deadLetterRetention must be 1 minute to 14 days`);
  if (archiveRetention.toSeconds() < 86_400) throw new Error(`${where}: archiveRetention must be at least one day`);
  const names = new Set<string>();
  const envVars = new Set<string>();
  for (const [key, def] of Object.entries(definitions)) {
    const what = `${where}: queue "${key}"`;
    if (!/^[A-Z][A-Za-z0-9]*$/.test(def.logicalName)) throw new Error(`${what}: logicalName must be PascalCase, got "${def.logicalName}"`);
    if (names.has(def.logicalName)) throw new Error(`${what}: duplicate logicalName "${def.logicalName}"`);
    names.add(def.logicalName);
    if (!/^QUEUE_URL_[A-Z0-9_]+$/.test(def.envVar)) throw new Error(`${what}: envVar must look like QUEUE_URL_NAME, got "${def.envVar}"`);
    if (envVars.has(def.envVar)) throw new Error(`${what}: duplicate envVar "${def.envVar}"`);
    envVars.add(def.envVar);
    if (def.highThroughput && !def.fifo) throw new Error(`${what}: highThroughput applies to FIFO queues only`);
    if (!Number.isInteger(def.visibilityTimeoutSeconds) || def.visibilityTimeoutSeconds < 0 || def.visibilityTimeoutSeconds > 43_200) {
      throw new Error(`${what}: visibilityTimeoutSeconds must be 0-43200, got ${def.visibilityTimeoutSeconds}`);
    }
    if (!Number.isInteger(def.maxReceiveCount) || def.maxReceiveCount < 1 || def.maxReceiveCount > 1000) {
      throw new Error(`${what}: maxReceiveCount must be 1-1000, got ${def.maxReceiveCount}`);
    }
    if (!Number.isInteger(def.retentionDays) || def.retentionDays < 1 || def.retentionDays > 14) {
      throw new Error(`${what}: retentionDays must be 1-14, got ${def.retentionDays}`);
    }
    // A message must not expire in the DLQ before it could have expired in the queue.
    if (dlqSeconds < def.retentionDays * 86_400) {
      throw new Error(`${what}: the dead-letter retention (${dlqSeconds} s) is shorter than the queue's (${def.retentionDays} days)`);
    }
  }
}
