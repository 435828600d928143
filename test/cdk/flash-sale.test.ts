import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS, type FunctionSpec, WARMED_FOR_SALES } from '#functions/registry';
import { WARM_ALIAS_NAME, WARM_MAX_CAPACITY, WILDCARD_RESOURCE_ACTIONS } from '#lib/constructs/platform-function';
import { DEFAULT_THROTTLE, ROUTES, routeKey } from '#functions/routes';
import { QUEUES } from '#shared/platform/queues';
import { actionsOf, buildStacks, logicalIdOf, statementsOf } from './support';

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
const aliasId = (spec: FunctionSpec): string => logicalIdOf(template, 'AWS::Lambda::Alias', `/Functions/${spec.id}/Live/`);
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
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp(`${QUEUES.flashSaleEntries.logicalName}.*Arn`) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 16 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
    // Through its alias: the provisioned concurrency warmed before a sale is the alias's.
    const [worker] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes(QUEUES.flashSaleEntries.logicalName));
    expect(worker!.Properties.FunctionName).toEqual({ 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: aliasId(FUNCTIONS.decideFlashSaleTickets) }] }] }, `:${WARM_ALIAS_NAME}`]] });
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
    // The ticket's stream is no API route (its function URL, see ticket-stream.test.ts).
    const flash = ROUTES.filter((r) => r.path.includes('/flash-sales') && !r.responseStreaming);
    expect(flash).toHaveLength(6); // create, list, report (staff); the sale, entries, a ticket
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

describe('capacity warmed before the drop', () => {
  const resources = () => template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;

  it('warms the entry function, the ticket GET and the ticket worker, each for its load', () => {
    expect(WARMED_FOR_SALES.map((s) => [s.id, s.warmForSales])).toEqual([
      ['EnterFlashSale', 'entries'],
      ['GetFlashSaleTicket', 'ticketPolls'],
      ['DecideFlashSaleTickets', 'ticketDecisions'],
    ]);
  });

  it('gives each warmed function a live alias on its current version, and a provisioned-concurrency target from 0', () => {
    template.resourceCountIs('AWS::Lambda::Alias', WARMED_FOR_SALES.length);
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', WARMED_FOR_SALES.length);
    for (const spec of WARMED_FOR_SALES) {
      const alias = resources()[aliasId(spec)]!.Properties;
      expect(alias).toMatchObject({ Name: WARM_ALIAS_NAME, FunctionName: { Ref: fnId(spec) }, FunctionVersion: { 'Fn::GetAtt': [expect.any(String), 'Version'] } });
      expect(alias.ProvisionedConcurrencyConfig, 'set by the schedules, never by a deploy').toBeUndefined();
      const target = resources()[logicalIdOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget', `/Functions/${spec.id}/WarmCapacity/`)]!.Properties;
      expect(target).toMatchObject({
        ServiceNamespace: 'lambda',
        ScalableDimension: 'lambda:function:ProvisionedConcurrency',
        MinCapacity: 0,
        MaxCapacity: WARM_MAX_CAPACITY,
        ResourceId: { 'Fn::Join': ['', ['function:', { Ref: fnId(spec) }, `:${WARM_ALIAS_NAME}`]] },
        RoleARN: { 'Fn::Join': ['', expect.arrayContaining([expect.stringContaining('AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency')])] },
      });
    }
  });

  it('invokes the warmed functions through their alias: the entry and ticket routes and the worker', () => {
    for (const spec of [FUNCTIONS.enterFlashSale, FUNCTIONS.getFlashSaleTicket]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: aliasId(spec) } });
      template.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { Ref: aliasId(spec) }, Principal: 'apigateway.amazonaws.com' });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { 'Fn::GetAtt': [fnId(FUNCTIONS.getFlashSale), 'Arn'] } });
  });

  it('gives the functions that schedule (create, close) the targets in their environment and the scheduled-action calls, nothing more', () => {
    for (const spec of [FUNCTIONS.createFlashSale, FUNCTIONS.closeFlashSales]) {
      const env = (resources()[fnId(spec)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const targets = JSON.stringify(env.FLASH_SALE_WARM_TARGETS);
      for (const warmed of WARMED_FOR_SALES) {
        expect(targets, spec.id).toContain(`\\"load\\":\\"${warmed.warmForSales}\\"`);
        expect(targets, spec.id).toContain(fnId(warmed));
      }
      expect(env.FLASH_SALE_WARM_BUDGET).toBe(String(WARM_MAX_CAPACITY));
      const statements = statementsOf(template, spec.id).filter((s) => actionsOf(s).some((a) => a.startsWith('application-autoscaling:')));
      const granted = statements
        .map((s) => [
          actionsOf(s)
            .filter((a) => a.startsWith('application-autoscaling:'))
            .sort(),
          s.Resource,
        ])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(granted).toEqual([
        [
          ['application-autoscaling:DeleteScheduledAction', 'application-autoscaling:PutScheduledAction'],
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':application-autoscaling:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':scalable-target/*']] },
        ],
        [['application-autoscaling:DescribeScheduledActions'], '*'],
      ]);
      expect(WILDCARD_RESOURCE_ACTIONS).toContain('application-autoscaling:DescribeScheduledActions');
    }
    for (const spec of Object.values(FUNCTIONS).filter((s: FunctionSpec) => !s.uses.saleCapacity)) {
      expect(
        statementsOf(template, spec.id)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('application-autoscaling:')),
        spec.id,
      ).toEqual([]);
    }
  });
});
