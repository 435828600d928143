import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '#functions/registry';
import { ROUTES, routeKey } from '#functions/routes';
import { DEFAULT_ROUTE_ALARMS, DEFAULT_SERVER_ERROR_ALARMS } from '#lib/stateless-stacks';
import { checkoutContract } from '#shared/checkout/checkout.schema';
import { enterSaleContract } from '#shared/flash-sales/flash-sales.schema';
import { QUEUES } from '#shared/platform/queues';
import { buildStacks, logicalIdOf } from './support';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> };

let template: Template;

beforeAll(() => {
  template = buildStacks().statelessTemplate();
});

const resources = (t: Template): Record<string, Resource> => t.toJSON().Resources;
const alarms = (t: Template): Resource[] => Object.values(resources(t)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
const topicId = (t: Template): string => logicalIdOf(t, 'AWS::SNS::Topic', '/Monitoring/Alarms/');
const fnId = (t: Template, id: string): string => logicalIdOf(t, 'AWS::Lambda::Function', `/Functions/${id}/Function/`);
const dimensions = (alarm: Resource): Record<string, unknown> => Object.fromEntries((alarm.Properties.Dimensions as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, d.Value]));

describe('Alarms topic', () => {
  it("takes only TLS publishers, lets this account's CloudWatch alarms publish, and is output", () => {
    const topic = topicId(template);
    const policy = Object.values(resources(template)).find((r) => r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics).includes(topic))!;
    const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Resource: { Ref: topic },
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':cloudwatch:', ':alarm:*'])] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    );
    template.hasOutput('AlarmsTopicArn', { Value: { Ref: topic } });
  });

  it('notifies the topic on alarm and on recovery, from every alarm', () => {
    const all = alarms(template);
    expect(all.length).toBeGreaterThan(0);
    for (const alarm of all) {
      // One period each, except latency: 3 slow minutes of 5, since one slow minute is no outage.
      const latency = alarm.Properties.MetricName === 'Latency';
      expect(alarm.Properties, alarm.Properties.AlarmDescription).toMatchObject({
        AlarmActions: [{ Ref: topicId(template) }],
        OKActions: [{ Ref: topicId(template) }],
        TreatMissingData: 'notBreaching',
        EvaluationPeriods: latency ? 5 : 1,
        DatapointsToAlarm: latency ? 3 : 1,
      });
      expect(alarm.Properties.AlarmName, 'no physical names: stages deploy side by side').toBeUndefined();
    }
  });

  it('subscribes the context alarmEmail, only when given, and refuses one that is no address', () => {
    expect(Object.values(resources(template)).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual([]);
    const withEmail = buildStacks({}, { alarmEmail: 'oncall@shop.example.com' }).statelessTemplate();
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@shop.example.com', TopicArn: { Ref: topicId(withEmail) } });
    expect(() => buildStacks({}, { alarmEmail: 'oncall' })).toThrow(/alarm email "oncall" \(context alarmEmail\) is not an email address/);
  });
});

describe('dead-letter queues', () => {
  const depthAlarms = (t: Template) => alarms(t).filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');

  it('alarms on a visible message in every dead-letter queue of the stateless stack', () => {
    const queues = Object.entries(resources(template)).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id] of queues) {
      const alarm = depthAlarms(template).filter((a) => JSON.stringify(dimensions(a).QueueName) === JSON.stringify({ 'Fn::GetAtt': [id, 'QueueName'] }));
      expect(alarm, id).toHaveLength(1);
      expect(alarm[0]!.Properties, id).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms on the dead-letter queue of every queue of the stateful stack', () => {
    for (const def of Object.values(QUEUES)) {
      const alarm = depthAlarms(template).filter((a) => JSON.stringify(dimensions(a).QueueName).includes(`Messaging${def.logicalName}Dlq`));
      expect(alarm, def.logicalName).toHaveLength(1);
      expect(dimensions(alarm[0]!).QueueName).toEqual({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`${def.logicalName}Dlq.*QueueName`)) });
      expect(alarm[0]!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    }
    const stateless = Object.values(resources(template)).filter((r) => r.Type === 'AWS::SQS::Queue').length;
    expect(depthAlarms(template)).toHaveLength(stateless + Object.keys(QUEUES).length);
  });
});

describe('flash sale', () => {
  it('alarms on any error of the ticket worker (a thrown error fails its whole batch)', () => {
    const worker = alarms(template).filter((a) => a.Properties.MetricName === 'Errors' && a.Properties.AlarmDescription.startsWith(`${FUNCTIONS.decideFlashSaleTickets.id} `));
    expect(worker).toHaveLength(1);
    expect(worker[0]!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(template, FUNCTIONS.decideFlashSaleTickets.id) } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it.each([['dev'], ['prod']])('alarms on 5xx answers of flash-sale entries (%s), on the metric the entry function publishes', (stage) => {
    const t = stage === 'dev' ? template : buildStacks({}, { stage }).statelessTemplate();
    expect(DEFAULT_SERVER_ERROR_ALARMS).toEqual([enterSaleContract.operationId]);
    expect(ROUTES.find((r) => r.function.id === FUNCTIONS.enterFlashSale.id)?.contract).toBe(enterSaleContract);
    const env = resources(t)[fnId(t, FUNCTIONS.enterFlashSale.id)]!.Properties.Environment.Variables;
    const serverErrors = alarms(t).filter((a) => a.Properties.MetricName === 'ServerErrors');
    expect(serverErrors).toHaveLength(1);
    // Powertools publishes ServerErrors under the function's namespace with `service` and `operation` (http-handler.ts).
    expect(serverErrors[0]!.Properties).toMatchObject({
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(`Commerce/${stage}`);
    expect(dimensions(serverErrors[0]!)).toEqual({ service: env.POWERTOOLS_SERVICE_NAME, operation: 'enterFlashSale' });
  });

  it('refuses a server-error alarm on an operation no route has, and skips a default one whose route is not deployed', () => {
    expect(() => buildStacks({ stateless: { serverErrorAlarms: ['enterFlashSales'] } })).toThrow(/"enterFlashSales", the operationId of no route/);
    const routes = ROUTES.filter((r) => r.contract !== enterSaleContract);
    const without = buildStacks({ stateless: { routes } }).statelessTemplate();
    expect(alarms(without).filter((a) => a.Properties.MetricName === 'ServerErrors')).toEqual([]);
  });
});

describe('checkout route', () => {
  const checkout = ROUTES.find((r) => r.contract === checkoutContract)!;
  const routeDimensions = (t: Template) => [
    { Name: 'ApiId', Value: { Ref: logicalIdOf(t, 'AWS::ApiGatewayV2::Api', '/Api/HttpApi/') } },
    { Name: 'Method', Value: 'POST' },
    { Name: 'Resource', Value: checkout.path },
    { Name: 'Stage', Value: '$default' },
  ];
  const routeAlarms = (t: Template) => alarms(t).filter((a) => String(a.Properties.AlarmDescription).startsWith(`${routeKey(checkout)}:`));

  it('alarms when more than 2% of checkout answers in 5 minutes are 5xx, given at least 20 requests', () => {
    expect(DEFAULT_ROUTE_ALARMS).toEqual([checkoutContract.operationId]);
    const stat = (metricName: string) => ({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: metricName, Dimensions: routeDimensions(template) },
      Period: 300,
      Stat: 'Sum',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [
        { Id: 'expr_1', Expression: 'IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)', ReturnData: true, Label: 'checkout 5xx %' },
        { Id: 'errors', MetricStat: stat('5xx'), ReturnData: false },
        { Id: 'requests', MetricStat: stat('Count'), ReturnData: false },
      ],
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId(template) }],
      OKActions: [{ Ref: topicId(template) }],
    });
  });

  it('alarms when the checkout p99 latency exceeds 1 s in 3 of 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      Dimensions: routeDimensions(template),
      ExtendedStatistic: 'p99',
      Period: 60,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId(template) }],
      OKActions: [{ Ref: topicId(template) }],
    });
    expect(routeAlarms(template)).toHaveLength(2);
  });

  it('alarms the routes asked for, refuses an operation no route has, and skips checkout when it is not deployed', () => {
    expect(() => buildStacks({ stateless: { routeAlarms: ['checkouts'] } })).toThrow(/routeAlarms names "checkouts", the operationId of no route/);
    const without = buildStacks({ stateless: { routes: ROUTES.filter((r) => r.contract !== checkoutContract) } }).statelessTemplate();
    expect(routeAlarms(without)).toEqual([]);
    const both = buildStacks({ stateless: { routeAlarms: [checkoutContract.operationId, enterSaleContract.operationId] } }).statelessTemplate();
    expect(alarms(both).filter((a) => a.Properties.MetricName === 'Latency')).toHaveLength(2);
  });
});
