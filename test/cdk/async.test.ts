import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCES, type EventRule, type EventSourceMapping, type Schedule } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { buildStacks, logicalIdOf, statementsOf, actionsOf } from './support';

const notifier: FunctionSpec = {
  id: 'OrderNotifications',
  entry: 'functions/notifications/order-email.handler.ts',
  description: 'Emails customers about their orders',
  uses: { email: true, tables: { orders: 'read' } },
};
const sweeper: FunctionSpec = {
  id: 'ReservationSweeper',
  entry: 'functions/inventory/sweep.handler.ts',
  description: 'Releases expired reservations',
  uses: { tables: { inventory: 'readWrite' } },
  timeoutSeconds: 60,
};
const flashWorker: FunctionSpec = {
  id: 'FlashSaleWorker',
  entry: 'functions/flash-sales/worker.handler.ts',
  description: 'Admits flash-sale tickets',
  uses: { queues: { flashSaleEntries: 'consume' }, redis: true, tables: { flashSales: 'readWrite' } },
  timeoutSeconds: 20,
};
const outbox: FunctionSpec = {
  id: 'OrderOutbox',
  entry: 'functions/orders/outbox.handler.ts',
  description: 'Publishes new order events',
  uses: { streams: ['orders'], eventBus: true },
};

const RULES: readonly EventRule[] = [
  {
    id: 'OrderPlacedNotifications',
    description: 'Order confirmations',
    pattern: {
      source: [EVENT_SOURCES.orders],
      'detail-type': ['OrderPlaced'],
      detail: { shopId: [{ prefix: 'shop' }], total: [{ numeric: ['>', 0] }], orderId: [{ exists: true }] },
    },
    targets: [notifier],
  },
  {
    id: 'OrderShippedNotifications',
    description: 'Shipping notices, either event shape',
    pattern: { source: [EVENT_SOURCES.orders], $or: [{ 'detail-type': ['OrderShipped'] }, { detail: { status: ['SHIPPED'] } }] },
    targets: [notifier],
  },
];
const SCHEDULES: readonly Schedule[] = [{ id: 'ReservationSweep', description: 'Every minute', everyMinutes: 1, target: sweeper }];
const MAPPINGS: readonly EventSourceMapping[] = [
  { id: 'FlashSaleAdmission', kind: 'sqs', queue: 'flashSaleEntries', target: flashWorker, batchSize: 10, maxConcurrency: 5 },
  { id: 'OrdersOutbox', kind: 'dynamodbStream', table: 'orders', target: outbox, batchSize: 50, maxBatchingWindowSeconds: 1, retryAttempts: 5 },
];

let template: Template;

beforeAll(() => {
  template = buildStacks({ stateless: { eventRules: RULES, schedules: SCHEDULES, eventSourceMappings: MAPPINGS } }).statelessTemplate();
});

const fnId = (spec: FunctionSpec): string => logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
const queueId = (path: string): string => logicalIdOf(template, 'AWS::SQS::Queue', path);

describe('event rules', () => {
  it('matches the pattern on the platform bus and targets the function with retries and a DLQ', () => {
    const dlq = queueId('/Async/OrderPlacedNotificationsDlq/');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('MessagingBus') },
      EventPattern: {
        source: ['commerce.orders'],
        'detail-type': ['OrderPlaced'],
        detail: { shopId: [{ prefix: 'shop' }], total: [{ numeric: ['>', 0] }], orderId: [{ exists: true }] },
      },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId(notifier), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId(notifier), 'Arn'] },
    });
  });

  it('passes patterns to CloudFormation verbatim, $or included', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['commerce.orders'], $or: [{ 'detail-type': ['OrderShipped'] }, { detail: { status: ['SHIPPED'] } }] },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId('/Async/OrderShippedNotificationsDlq/'), 'Arn'] } } })],
    });
  });

  it("lets only the rule write to the rule's DLQ", () => {
    const dlq = queueId('/Async/OrderPlacedNotificationsDlq/');
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) => JSON.stringify(p.Properties.Queues).includes(dlq));
    expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: expect.objectContaining({ ArnEquals: { 'aws:SourceArn': expect.anything() } }),
      }),
    );
  });

  it("sends the handler's own failures to an on-failure queue after Lambda's retries", () => {
    const failures = queueId('/Async/OrderNotificationsAsyncFailures/');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId(notifier) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failures, 'Arn'] } } },
    });
  });
});

describe('schedules', () => {
  it('runs the target at the given rate on the default bus, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      EventBusName: Match.absent(),
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId(sweeper), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId('/Async/ReservationSweepDlq/'), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }),
        }),
      ],
    });
  });
});

describe('event source mappings', () => {
  it('polls the FIFO queue in batches, reports partial failures and caps concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(flashWorker) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('FlashSaleEntries.*Arn') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    const actions = statementsOf(template, 'FlashSaleWorker').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']));
    expect(actions).not.toContain('sqs:SendMessage');
  });

  it('reads the orders stream with retries, bisection, partial failures and an on-failure queue', () => {
    const onFailure = queueId('/Async/OrdersOutboxDlq/');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(outbox) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('DataOrders.*StreamArn') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [onFailure, 'Arn'] } } },
    });
    const statements = statementsOf(template, 'OrderOutbox');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::ImportValue': expect.stringMatching(/DataOrders.*StreamArn/) },
      }),
    );
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:PutItem');
  });

  it('gives every dead-letter queue of the wiring TLS-only access and SQS-managed encryption', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(6); // two rule DLQs, schedule DLQ, two async-failure queues (one per function), stream DLQ
    for (const queue of Object.values(queues)) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });
});

describe('bad wiring', () => {
  const build = (wiring: { eventRules?: EventRule[]; schedules?: Schedule[]; eventSourceMappings?: EventSourceMapping[] }) => () => buildStacks({ stateless: wiring });
  const sqs = MAPPINGS[0] as Extract<EventSourceMapping, { kind: 'sqs' }>;
  const stream = MAPPINGS[1] as Extract<EventSourceMapping, { kind: 'dynamodbStream' }>;

  it('refuses empty or malformed event patterns and duplicate ids', () => {
    const rule = RULES[0]!;
    expect(build({ eventRules: [{ ...rule, pattern: {} }] })).toThrow(/empty and would match every event/);
    expect(build({ eventRules: [{ ...rule, pattern: { detailType: ['OrderPlaced'] } }] })).toThrow(/"detailType" is not an event field/);
    expect(build({ eventRules: [{ ...rule, pattern: { source: [] } }] })).toThrow(/has no values/);
    expect(build({ eventRules: [{ ...rule, targets: [] }] })).toThrow(/needs 1 to 5 targets/);
    expect(build({ eventRules: [{ ...rule, pattern: { $or: [{ source: ['x'] }] } }] })).toThrow(/at least two patterns/);
    expect(build({ eventRules: [{ ...rule, pattern: { $or: [{ source: ['x'] }, { detailType: ['y'] }] } }] })).toThrow(/not an event field/);
    expect(build({ eventRules: [rule], schedules: [{ ...SCHEDULES[0]!, id: rule.id }] })).toThrow(/duplicate id/);
  });

  it('refuses a schedule that is not a whole number of minutes', () => {
    expect(build({ schedules: [{ ...SCHEDULES[0]!, everyMinutes: 0.5 }] })).toThrow(/everyMinutes must be a positive integer/);
  });

  it('refuses SQS mappings the queue cannot honour', () => {
    expect(build({ eventSourceMappings: [{ ...sqs, maxBatchingWindowSeconds: 5 }] })).toThrow(/FIFO queues support no batching window/);
    expect(build({ eventSourceMappings: [{ ...sqs, batchSize: 11 }] })).toThrow(/batchSize must be 1-10/);
    expect(build({ eventSourceMappings: [{ ...sqs, maxConcurrency: 1 }] })).toThrow(/maxConcurrency must be 2-1000/);
    const slow = { ...flashWorker, timeoutSeconds: 181 };
    expect(build({ eventSourceMappings: [{ ...sqs, target: slow }] })).toThrow(/visibility timeout/);
    const undeclared = { ...flashWorker, uses: { redis: true } };
    expect(build({ eventSourceMappings: [{ ...sqs, target: undeclared }] })).toThrow(/must declare uses.queues.flashSaleEntries/);
  });

  it('refuses stream mappings on tables without a stream or by functions that do not declare it', () => {
    const onCarts = { ...stream, table: 'carts' as const, target: { ...outbox, uses: { streams: ['carts' as const] } } };
    expect(build({ eventSourceMappings: [onCarts] })).toThrow(/"carts".* has no stream/);
    expect(build({ eventSourceMappings: [{ ...stream, target: { ...outbox, uses: { eventBus: true } } }] })).toThrow(/must declare uses.streams/);
    expect(build({ eventSourceMappings: [{ ...stream, retryAttempts: -1 }] })).toThrow(/retryAttempts must be 0-10000/);
  });
});
