import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_THROTTLE, ROUTES, routeKey } from '#functions/routes';
import { QUEUES } from '#shared/platform/queues';
import { buildStacks, logicalIdOf } from './support';

/**
 * The flash sale as the definition files declare it: the FIFO virtual queue in high-throughput
 * mode with its FIFO DLQ, the worker's bounded mapping, the throttled entry route and the
 * schedule that closes sales. (CloudFront's behaviours are in edge.test.ts, alarms in
 * alarms.test.ts.)
 */
let template: Template;
let stateful: Template;

beforeAll(() => {
  const stacks = buildStacks();
  template = stacks.statelessTemplate();
  stateful = stacks.statefulTemplate();
});

const fnId = (spec: FunctionSpec): string => logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
const ENTRY_ROUTE = 'POST /v1/shops/{shopId}/flash-sales/{saleId}/entries';

describe('virtual queue', () => {
  it('is FIFO in high-throughput mode (deduplication and throughput per message group) with a FIFO DLQ', () => {
    const def = QUEUES.flashSaleEntries;
    expect(def).toMatchObject({ fifo: true, highThroughput: true });
    const queue = logicalIdOf(stateful, 'AWS::SQS::Queue', `/Messaging/${def.logicalName}/`);
    const dlq = logicalIdOf(stateful, 'AWS::SQS::Queue', `/Messaging/${def.logicalName}Dlq/`);
    expect(stateful.toJSON().Resources[queue].Properties).toMatchObject({
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: def.visibilityTimeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: def.maxReceiveCount },
    });
    expect(stateful.toJSON().Resources[dlq].Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
  });
});

describe('worker', () => {
  const mapping = EVENT_SOURCE_MAPPINGS.find((m) => m.id === 'FlashSaleTickets');

  it('decides tickets in batches of 10 with bounded concurrency, reporting partial batch failures', () => {
    expect(mapping).toMatchObject({ kind: 'sqs', queue: 'flashSaleEntries', target: FUNCTIONS.decideFlashSaleTickets, batchSize: 10, maxConcurrency: 16 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(FUNCTIONS.decideFlashSaleTickets) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp(`${QUEUES.flashSaleEntries.logicalName}.*Arn`) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 16 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  it('is the only consumer of the queue, and finishes within its visibility timeout', () => {
    const consumers = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes(QUEUES.flashSaleEntries.logicalName));
    expect(consumers).toHaveLength(1);
    const timeout = template.toJSON().Resources[fnId(FUNCTIONS.decideFlashSaleTickets)].Properties.Timeout as number;
    expect(timeout).toBeLessThanOrEqual(QUEUES.flashSaleEntries.visibilityTimeoutSeconds);
  });
});

describe('routes', () => {
  const stage = (): Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number; DetailedMetricsEnabled: boolean }> =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties.RouteSettings;

  it('throttles the entry route by its own limits, in the stage route settings', () => {
    const entry = ROUTES.find((r) => routeKey(r) === ENTRY_ROUTE);
    expect(entry?.throttle).toBeDefined();
    expect(entry?.throttle).not.toEqual(DEFAULT_THROTTLE);
    expect(stage()[ENTRY_ROUTE]).toEqual({ ThrottlingRateLimit: entry!.throttle!.rateLimit, ThrottlingBurstLimit: entry!.throttle!.burstLimit, DetailedMetricsEnabled: true });
  });

  it('gives every flash-sale route its route setting, and needs a token to enter or read a ticket', () => {
    const flash = ROUTES.filter((r) => r.path.includes('/flash-sales'));
    expect(flash).toHaveLength(5);
    for (const route of flash) {
      const throttle = route.throttle ?? DEFAULT_THROTTLE;
      expect(stage()[routeKey(route)], routeKey(route)).toEqual({ ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit, DetailedMetricsEnabled: true });
      const resource = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey(route) } }))[0]!;
      expect(resource.Properties.AuthorizationType, routeKey(route)).toBe(route.auth === 'public' ? 'NONE' : 'JWT');
    }
    expect(flash.filter((r) => r.auth === 'public').map(routeKey)).toEqual(['GET /v1/shops/{shopId}/flash-sales/{saleId}']);
  });
});

describe('closing', () => {
  it('closes ended sales every minute, one run at a time', () => {
    const schedule = SCHEDULES.find((s) => s.id === 'CloseFlashSales');
    expect(schedule).toMatchObject({ everyMinutes: 1, target: FUNCTIONS.closeFlashSales });
    const rule = logicalIdOf(template, 'AWS::Events::Rule', '/Async/CloseFlashSales/');
    expect(template.toJSON().Resources[rule].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId(FUNCTIONS.closeFlashSales), 'Arn'] }, DeadLetterConfig: expect.anything() })],
    });
    expect(template.toJSON().Resources[fnId(FUNCTIONS.closeFlashSales)].Properties.ReservedConcurrentExecutions).toBe(1);
  });
});
