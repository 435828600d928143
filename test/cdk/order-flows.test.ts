import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, SCHEDULES } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { ROUTES, routeKey } from '#functions/routes';
import { TABLES } from '#shared/platform/tables';
import { buildStacks, logicalIdOf } from './support';

/**
 * The checkout, order and fulfilment paths as the definition files declare them: routes with
 * the right authorization, rules and schedules with retries and dead-letter queues, and the
 * orders outbox stream with an on-failure destination.
 */
let template: Template;
let stateful: Template;

beforeAll(() => {
  const stacks = buildStacks();
  template = stacks.statelessTemplate();
  stateful = stacks.statefulTemplate();
});

const fnId = (spec: FunctionSpec): string => logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
const queueId = (path: string): string => logicalIdOf(template, 'AWS::SQS::Queue', path);

const routeResource = (key: string): Record<string, unknown> => {
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: key } }));
  expect(routes, key).toHaveLength(1);
  return routes[0]!.Properties as Record<string, unknown>;
};

/** The Lambda function a route's integration invokes. */
const integratedFunction = (route: Record<string, unknown>): unknown => {
  const target = JSON.stringify(route.Target);
  const integration = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration')).find(([id]) => target.includes(id));
  return integration?.[1].Properties.IntegrationUri;
};

describe('checkout, order and webhook routes', () => {
  const authorizer = () => logicalIdOf(template, 'AWS::ApiGatewayV2::Authorizer', '/Api/CognitoJwt/');

  it.each([
    ['POST /v1/shops/{shopId}/checkout', FUNCTIONS.checkout],
    ['POST /v1/shops/{shopId}/orders/{orderId}/cancel', FUNCTIONS.cancelOrder],
    ['POST /v1/shops/{shopId}/admin/orders/{orderId}/events', FUNCTIONS.recordOrderEvent],
  ])('%s needs a Cognito token', (key, spec) => {
    const route = routeResource(key);
    expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer() } });
    expect(integratedFunction(route)).toEqual({ 'Fn::GetAtt': [fnId(spec), 'Arn'] });
  });

  it.each([
    ['POST /v1/webhooks/stripe', FUNCTIONS.stripeWebhook],
    ['POST /v1/webhooks/carriers/{carrier}', FUNCTIONS.carrierWebhook],
  ])('%s takes no token (the handler verifies the signature)', (key, spec) => {
    const route = routeResource(key);
    expect(route.AuthorizationType).toBe('NONE');
    expect(route.AuthorizerId).toBeUndefined();
    expect(integratedFunction(route)).toEqual({ 'Fn::GetAtt': [fnId(spec), 'Arn'] });
    expect(ROUTES.find((r) => routeKey(r) === key)?.auth).toBe('signed');
  });

  it('throttles checkout by its own limits, below the stage default', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({ 'POST /v1/shops/{shopId}/checkout': { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 } }),
    });
  });
});

describe('order rules and schedules', () => {
  const ruleResource = (id: string) => {
    const logicalId = logicalIdOf(template, 'AWS::Events::Rule', `/Async/${id}/`);
    return template.toJSON().Resources[logicalId].Properties as Record<string, any>;
  };

  it.each([
    ['OrdersToWarehouse', FUNCTIONS.handToWarehouse],
    ['OrderStockMovements', FUNCTIONS.applyOrderStock],
    ['ExpiredCheckouts', FUNCTIONS.expireCheckout],
  ])('%s matches its pattern on the platform bus and targets its function with retries and a DLQ', (id, spec) => {
    const definition = EVENT_RULES.find((r) => r.id === id);
    expect(definition?.targets).toEqual([spec]);
    expect(ruleResource(id)).toMatchObject({
      EventBusName: { 'Fn::ImportValue': expect.stringMatching(/MessagingBus/) },
      EventPattern: definition!.pattern,
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [fnId(spec), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(`/Async/${id}Dlq/`), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId(spec) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(`/Async/${spec.id}AsyncFailures/`), 'Arn'] } } },
    });
  });

  it('runs ReconcilePayments every five minutes, one at a time, with retries and a DLQ', () => {
    const reconcile: FunctionSpec = FUNCTIONS.reconcilePayments;
    expect(ruleResource('ReconcilePayments')).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [fnId(reconcile), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId('/Async/ReconcilePaymentsDlq/'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    expect(ruleResource('ReconcilePayments').EventBusName).toBeUndefined();
    expect(template.toJSON().Resources[fnId(reconcile)].Properties).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 120 });
  });

  it('gives every target of every rule and schedule a DLQ and a retry policy', () => {
    const ids = [...EVENT_RULES.map((r) => r.id), ...SCHEDULES.map((s) => s.id)];
    template.resourceCountIs('AWS::Events::Rule', ids.length);
    for (const id of ids) {
      for (const target of ruleResource(id).Targets as Array<Record<string, unknown>>) {
        expect(target, id).toMatchObject({ DeadLetterConfig: { Arn: expect.anything() }, RetryPolicy: expect.anything() });
      }
    }
  });
});

describe('orders outbox', () => {
  it('keeps the orders table recoverable and streams its new images', () => {
    const orders = logicalIdOf(stateful, 'AWS::DynamoDB::Table', `/Data/${TABLES.orders.logicalName}/`);
    expect(stateful.toJSON().Resources[orders].Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: expect.stringMatching(/^NEW_(AND_OLD_)?IMAGES?$/) },
    });
  });

  it('publishes the orders stream with an on-failure queue, and its consumer declares the stream', () => {
    const mapping = EVENT_SOURCE_MAPPINGS.find((m) => m.kind === 'dynamodbStream' && m.table === 'orders');
    expect(mapping?.target.uses.streams).toContain('orders');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(mapping!.target) },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('DataOrders.*StreamArn') },
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(`/Async/${mapping!.id}Dlq/`), 'Arn'] } } },
    });
  });

  it('gives every stream mapping an on-failure destination', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m.Properties.EventSourceArn).includes('StreamArn'));
    expect(mappings).toHaveLength(EVENT_SOURCE_MAPPINGS.filter((m) => m.kind === 'dynamodbStream').length);
    for (const m of mappings) expect(m.Properties.DestinationConfig?.OnFailure?.Destination).toBeDefined();
  });
});
