import { Duration, Validations } from 'aws-cdk-lib';
import { type EventPattern as CdkEventPattern, type IEventBus, Rule, Schedule as EventSchedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventPattern, EventRule, EventSourceMapping, Schedule } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { DEFAULT_TIMEOUT_SECONDS } from './constructs/platform-function';
import type { TableResource } from './data';
import type { FunctionLookup } from './functions';
import type { QueueResource } from './messaging';

/** A dead-letter or on-failure queue of the wiring, and what it holds. */
export interface DeadLetterQueue {
  /** The construct id, e.g. `OrdersToWarehouseDlq`. */
  readonly id: string;
  readonly queue: IQueue;
  /** What ends up there, for people reading an alarm. */
  readonly holds: string;
}

/** Top-level fields of an EventBridge event, as patterns name them. */
const ENVELOPE_FIELDS: readonly string[] = ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'];

export interface AsyncWiringProps {
  readonly eventBus: IEventBus;
  /** @see EVENT_RULES */
  readonly eventRules: readonly EventRule[];
  /** @see SCHEDULES */
  readonly schedules: readonly Schedule[];
  /** @see EVENT_SOURCE_MAPPINGS */
  readonly eventSourceMappings: readonly EventSourceMapping[];
  readonly functions: FunctionLookup;
  readonly tables: Readonly<Record<string, TableResource>>;
  readonly queues: Readonly<Record<string, QueueResource>>;
  /** Retries of EventBridge before a rule's event goes to the rule's DLQ. @default 4 */
  readonly targetRetryAttempts?: number;
  /** Age after which EventBridge gives up on an event. @default Duration.hours(1) */
  readonly targetMaxEventAge?: Duration;
  /** Retries of Lambda's asynchronous invocation when the handler fails. @default 2 */
  readonly asyncRetryAttempts?: number;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
}

/**
 * The asynchronous paths from functions/events.ts: rules on the platform bus and schedules,
 * each target with a retry policy and a dead-letter queue (plus an on-failure destination for
 * the handler's own errors), and event source mappings from SQS and DynamoDB streams that
 * report partial batch failures.
 */
export class AsyncWiring extends Construct {
  private readonly failureQueues = new Map<string, IQueue>();
  private readonly deadLetters: DeadLetterQueue[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AsyncWiringProps,
  ) {
    super(scope, id);
    this.validate();
    const retryAttempts = props.targetRetryAttempts ?? 4;
    const maxEventAge = props.targetMaxEventAge ?? Duration.hours(1);

    for (const rule of props.eventRules) {
      const deadLetterQueue = this.deadLetterQueue(`${rule.id}Dlq`, `events of rule ${rule.id} that could not be delivered`);
      new Rule(this, rule.id, {
        description: rule.description,
        eventBus: props.eventBus,
        eventPattern: toCdkPattern(rule.pattern),
        targets: rule.targets.map((spec) => new LambdaFunction(this.asyncFunction(spec), { deadLetterQueue, retryAttempts, maxEventAge })),
      });
    }

    for (const schedule of props.schedules) {
      const deadLetterQueue = this.deadLetterQueue(`${schedule.id}Dlq`, `ticks of schedule ${schedule.id} that could not be delivered`);
      new Rule(this, schedule.id, {
        description: schedule.description,
        schedule: EventSchedule.rate(Duration.minutes(schedule.everyMinutes)),
        targets: [new LambdaFunction(this.asyncFunction(schedule.target), { deadLetterQueue, retryAttempts, maxEventAge })],
      });
    }

    for (const mapping of props.eventSourceMappings) {
      const fn = props.functions.functionFor(mapping.target);
      const maxBatchingWindow = mapping.maxBatchingWindowSeconds !== undefined ? { maxBatchingWindow: Duration.seconds(mapping.maxBatchingWindowSeconds) } : {};
      if (mapping.kind === 'sqs') {
        const { queue } = this.props.queues[mapping.queue]!;
        fn.addEventSource(
          new SqsEventSource(queue, {
            batchSize: mapping.batchSize,
            ...maxBatchingWindow,
            reportBatchItemFailures: true,
            ...(mapping.maxConcurrency !== undefined ? { maxConcurrency: mapping.maxConcurrency } : {}),
          }),
        );
      } else {
        const { table } = this.props.tables[mapping.table]!;
        const onFailure = this.deadLetterQueue(`${mapping.id}Dlq`, `stream batches of ${mapping.id} that failed every retry`);
        fn.addEventSource(
          new DynamoEventSource(table, {
            // From the oldest record still in the stream: a new mapping must not skip outbox events.
            startingPosition: StartingPosition.TRIM_HORIZON,
            batchSize: mapping.batchSize,
            ...maxBatchingWindow,
            retryAttempts: mapping.retryAttempts,
            bisectBatchOnError: true,
            reportBatchItemFailures: true,
            onFailure: new SqsDlq(onFailure),
          }),
        );
      }
    }
  }

  /** Every dead-letter and on-failure queue made here (rules, schedules, async failures, streams). */
  get deadLetterQueues(): readonly DeadLetterQueue[] {
    return [...this.deadLetters];
  }

  /**
   * A function invoked asynchronously (by a rule or schedule): its handler's failures go, after
   * Lambda's retries, to one on-failure queue per function (EventBridge's DLQ only catches
   * delivery failures).
   */
  private asyncFunction(spec: FunctionSpec): IFunction {
    const fn = this.props.functions.functionFor(spec);
    if (!this.failureQueues.has(spec.id)) {
      const queue = this.deadLetterQueue(`${spec.id}AsyncFailures`, `asynchronous invocations of ${spec.id} that failed every retry`);
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(queue),
        retryAttempts: this.props.asyncRetryAttempts ?? 2,
        maxEventAge: this.props.targetMaxEventAge ?? Duration.hours(1),
      });
      this.failureQueues.set(spec.id, queue);
    }
    return fn;
  }

  private deadLetterQueue(id: string, holds: string): IQueue {
    const queue = new Queue(this, id, {
      retentionPeriod: this.props.deadLetterRetention ?? Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue: it holds ${holds}.`,
    });
    this.deadLetters.push({ id, queue, holds });
    return queue;
  }

  private validate(): void {
    const { props } = this;
    const where = this.node.path;
    const ids = new Set<string>();
    const checkId = (id: string, what: string): void => {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(id)) throw new Error(`${where}: ${what} id "${id}" must be PascalCase`);
      if (ids.has(id)) throw new Error(`${where}: duplicate id "${id}" among rules, schedules and mappings`);
      ids.add(id);
    };
    const between = (value: number | undefined, min: number, max: number): boolean => value === undefined || (Number.isInteger(value) && value >= min && value <= max);

    for (const rule of props.eventRules) {
      checkId(rule.id, 'event rule');
      if (rule.targets.length === 0 || rule.targets.length > 5) throw new Error(`${where}: rule ${rule.id} needs 1 to 5 targets`);
      toCdkPattern(rule.pattern, `${where}: rule ${rule.id}`);
    }
    for (const schedule of props.schedules) {
      checkId(schedule.id, 'schedule');
      if (!Number.isInteger(schedule.everyMinutes) || schedule.everyMinutes < 1) {
        throw new Error(`${where}: schedule ${schedule.id}: everyMinutes must be a positive integer, got ${schedule.everyMinutes}`);
      }
    }
    if (!between(props.targetRetryAttempts, 0, 185)) throw new Error(`${where}: targetRetryAttempts must be 0-185`);
    if (!between(props.asyncRetryAttempts, 0, 2)) throw new Error(`${where}: asyncRetryAttempts must be 0-2`);
    const age = props.targetMaxEventAge?.toSeconds();
    if (age !== undefined && (age < 60 || age > 86_400)) throw new Error(`${where}: targetMaxEventAge must be 1 minute to 24 hours`);

    for (const mapping of props.eventSourceMappings) {
      checkId(mapping.id, 'event source mapping');
      const what = `${where}: mapping ${mapping.id}`;
      const timeout = mapping.target.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (!between(mapping.maxBatchingWindowSeconds, 0, 300)) throw new Error(`${what}: maxBatchingWindowSeconds must be 0-300`);
      if (mapping.kind === 'sqs') {
        const resource = props.queues[mapping.queue];
        if (!resource) throw new Error(`${what}: unknown queue "${mapping.queue}"`);
        const use = mapping.target.uses.queues?.[mapping.queue];
        if (use !== 'consume' && use !== 'sendConsume') {
          throw new Error(`${what}: ${mapping.target.id} must declare uses.queues.${mapping.queue} = 'consume' (or 'sendConsume')`);
        }
        const { fifo, visibilityTimeoutSeconds } = resource.definition;
        if (fifo && mapping.maxBatchingWindowSeconds !== undefined) throw new Error(`${what}: FIFO queues support no batching window`);
        const maxBatch = fifo ? 10 : 10_000;
        if (!between(mapping.batchSize, 1, maxBatch)) throw new Error(`${what}: batchSize must be 1-${maxBatch} for this queue, got ${mapping.batchSize}`);
        if (mapping.batchSize > 10 && !(mapping.maxBatchingWindowSeconds ?? 0)) {
          throw new Error(`${what}: a batchSize above 10 needs maxBatchingWindowSeconds of at least 1`);
        }
        if (!between(mapping.maxConcurrency, 2, 1000)) throw new Error(`${what}: maxConcurrency must be 2-1000, got ${mapping.maxConcurrency}`);
        if (timeout > visibilityTimeoutSeconds) {
          throw new Error(`${what}: ${mapping.target.id} may run ${timeout} s, longer than the queue's ${visibilityTimeoutSeconds} s visibility timeout, so messages would be delivered twice`);
        }
      } else {
        const resource = props.tables[mapping.table];
        if (!resource) throw new Error(`${what}: unknown table "${mapping.table}"`);
        if (!resource.definition.stream) throw new Error(`${what}: table "${mapping.table}" has no stream`);
        if (!mapping.target.uses.streams?.includes(mapping.table)) {
          throw new Error(`${what}: ${mapping.target.id} must declare uses.streams including '${mapping.table}'`);
        }
        if (!between(mapping.batchSize, 1, 10_000)) throw new Error(`${what}: batchSize must be 1-10000, got ${mapping.batchSize}`);
        if (!between(mapping.retryAttempts, 0, 10_000)) throw new Error(`${what}: retryAttempts must be 0-10000, got ${mapping.retryAttempts}`);
      }
    }
  }
}

/**
 * The shared event pattern, checked, as the CDK's EventPattern. It goes to CloudFormation
 * verbatim (the CDK renders unknown keys such as `detail-type` and `$or` unchanged), so the
 * deployed rule and the local bus apply the very same JSON.
 */
export function toCdkPattern(pattern: EventPattern, where = 'event pattern'): CdkEventPattern {
  checkPattern(pattern, where);
  return pattern as unknown as CdkEventPattern;
}

function checkPattern(pattern: EventPattern, where: string): void {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new Error(`${where}: the event pattern is empty and would match every event`);
  for (const [field, value] of entries) {
    if (field === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw new Error(`${where}: "$or" needs an array of at least two patterns`);
      for (const alternative of value as readonly EventPattern[]) checkPattern(alternative, where);
      continue;
    }
    if (!ENVELOPE_FIELDS.includes(field)) throw new Error(`${where}: "${field}" is not an event field (${ENVELOPE_FIELDS.join(', ')}, $or)`);
    if (field === 'detail' ? Array.isArray(value) : !Array.isArray(value)) {
      throw new Error(`${where}: "${field}" must be ${field === 'detail' ? 'an object of fields' : 'an array of values'}`);
    }
    if (Array.isArray(value) && value.length === 0) throw new Error(`${where}: "${field}" has no values and would match nothing`);
  }
}
