import { isDeepStrictEqual } from 'node:util';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { ROUTES, routeKey } from '#functions/routes';

const API_ROUTES = ROUTES.filter((route) => !route.responseStreaming);
import { checkoutContract } from '#shared/checkout/checkout.schema';
import { QUEUES } from '#shared/platform/queues';
import { buildStacks, logicalIdOf, withoutProvidedFunctions } from './support';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> };
type Widget = { type: string; width: number; height: number; properties: Record<string, any> };
/** One metric of a graph: namespace, name, dimensions and options (label, stat, period). */
type GraphMetric = { namespace: string; name: string; dims: Record<string, string>; options: Record<string, unknown> };

let template: Template;

beforeAll(() => {
  // The platform's functions (the edge stack also holds functions CDK provides: the web apps' upload, the web client's update).
  template = withoutProvidedFunctions(buildStacks().statelessTemplate());
});

const resources = (t: Template): Record<string, Resource> => t.toJSON().Resources;

/**
 * The dashboard body with each CloudFormation token written as {{Ref:Id}}, {{GetAtt:Id.Attr}}
 * or {{Import:name}}, parsed.
 */
function dashboardOf(t: Template): { widgets: Widget[]; start?: string } {
  const dashboards = Object.values(resources(t)).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const [separator, parts] = dashboards[0]!.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as Record<string, any>;
      if (token.Ref) return `{{Ref:${token.Ref}}}`;
      if (token['Fn::GetAtt']) return `{{GetAtt:${token['Fn::GetAtt'].join('.')}}}`;
      if (token['Fn::ImportValue']) return `{{Import:${token['Fn::ImportValue']}}}`;
      throw new Error(`unexpected token ${JSON.stringify(token)}`);
    })
    .join(separator);
  return JSON.parse(text);
}

function metricsOf(widget: Widget): GraphMetric[] {
  return ((widget.properties.metrics ?? []) as unknown[][]).map((entry) => {
    const options = (typeof entry.at(-1) === 'object' ? entry.at(-1) : {}) as Record<string, unknown>;
    const [namespace, name, ...rest] = entry.filter((e) => typeof e === 'string') as string[];
    const dims: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) dims[rest[i]!] = rest[i + 1]!;
    return { namespace: namespace!, name: name!, dims, options };
  });
}

const graph = (widgets: Widget[], title: RegExp): Widget => {
  const found = widgets.filter((w) => w.type === 'metric' && title.test(String(w.properties.title)));
  expect(found, String(title)).toHaveLength(1);
  return found[0]!;
};

const apiRef = (t: Template): string => `{{Ref:${logicalIdOf(t, 'AWS::ApiGatewayV2::Api', '/Api/HttpApi/')}}}`;
const fnRef = (t: Template, id: string): string => `{{Ref:${logicalIdOf(t, 'AWS::Lambda::Function', `/Functions/${id}/Function/`)}}}`;
const groupOf = (spec: FunctionSpec): string => spec.entry.split('/')[1]!;

describe('dashboard', () => {
  it('graphs p50 and p99 latency, 4xx, 5xx and requests of every route, from API Gateway per-route metrics', () => {
    const widgets = dashboardOf(template).widgets;
    const api = apiRef(template);
    // Streamed routes are function URLs, not API routes: API Gateway has no metrics of them.
    for (const route of API_ROUTES) {
      const group = groupOf(route.function);
      const latency = metricsOf(graph(widgets, new RegExp(`^${group}: latency`)));
      const answers = metricsOf(graph(widgets, new RegExp(`^${group}: 4xx and 5xx`)));
      const dims = { ApiId: api, Stage: '$default', Method: route.method, Resource: route.path };
      const find = (list: GraphMetric[], name: string, stat: string) =>
        list.filter((m) => m.namespace === 'AWS/ApiGateway' && m.name === name && m.options.stat === stat && isDeepStrictEqual(m.dims, dims));
      expect(find(latency, 'Latency', 'p50'), routeKey(route)).toHaveLength(1);
      expect(find(latency, 'Latency', 'p99'), routeKey(route)).toHaveLength(1);
      expect(find(answers, '4xx', 'Sum'), routeKey(route)).toHaveLength(1);
      expect(find(answers, '5xx', 'Sum'), routeKey(route)).toHaveLength(1);
      expect(find(answers, 'Count', 'Sum'), routeKey(route)).toHaveLength(1);
    }
    // A few graphs per route group, not per route.
    const groups = new Set(ROUTES.map((r) => groupOf(r.function)));
    expect(widgets.length).toBeLessThanOrEqual(2 * groups.size + 12);
    for (const widget of widgets) expect(metricsOf(widget).length, widget.properties.title).toBeLessThanOrEqual(100);
  });

  it('names the checkout route', () => {
    const checkout = ROUTES.find((r) => r.contract === checkoutContract)!;
    const latency = metricsOf(graph(dashboardOf(template).widgets, /^checkout: latency/));
    expect(latency.map((m) => `${m.dims.Method} ${m.dims.Resource} ${String(m.options.stat)}`)).toEqual([`POST ${checkout.path} p50`, `POST ${checkout.path} p99`]);
  });

  it('graphs shed requests and dependency timeouts of every operation, on the metrics the handlers publish', () => {
    const widgets = dashboardOf(template).widgets;
    const env = resources(template)[logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${FUNCTIONS.checkout.id}/Function/`)]!.Properties.Environment.Variables;
    const operations = [...new Set(API_ROUTES.map((r) => r.contract.operationId))];
    for (const [title, name] of [
      [/^Shed requests/, 'ShedRequests'],
      [/^Dependency timeouts/, 'DependencyTimeouts'],
    ] as const) {
      const metrics = metricsOf(graph(widgets, title));
      expect(metrics.map((m) => m.dims.operation)).toEqual(operations);
      for (const metric of metrics) {
        expect(metric).toMatchObject({ namespace: env.POWERTOOLS_METRICS_NAMESPACE, name, dims: { service: env.POWERTOOLS_SERVICE_NAME }, options: { stat: 'Sum' } });
      }
    }
  });

  it('graphs the throttles of every function with reserved concurrency', () => {
    const limited = Object.values(FUNCTIONS as Record<string, FunctionSpec>).filter((f) => f.maxConcurrency !== undefined);
    expect(limited.length).toBeGreaterThan(0);
    const widget = graph(dashboardOf(template).widgets, /^Lambda throttles/);
    const throttles = metricsOf(widget).filter((m) => m.name === 'Throttles');
    expect(throttles.map((m) => m.dims.FunctionName).sort()).toEqual(limited.map((f) => fnRef(template, f.id)).sort());
    const concurrency = metricsOf(widget).filter((m) => m.name === 'ConcurrentExecutions');
    expect(concurrency.map((m) => m.options.label).sort()).toEqual(limited.map((f) => `${f.id} concurrent (limit ${f.maxConcurrency})`).sort());
  });

  it('graphs the depth of every dead-letter queue, stateless and stateful', () => {
    const metrics = metricsOf(graph(dashboardOf(template).widgets, /^Dead-letter queues/));
    expect(metrics.every((m) => m.namespace === 'AWS/SQS' && m.name === 'ApproximateNumberOfMessagesVisible' && m.options.stat === 'Maximum')).toBe(true);
    const queues = metrics.map((m) => String(m.dims.QueueName));
    for (const id of Object.keys(resources(template)).filter((id) => resources(template)[id]!.Type === 'AWS::SQS::Queue')) {
      expect(queues, id).toContain(`{{GetAtt:${id}.QueueName}}`);
    }
    for (const def of Object.values(QUEUES)) {
      expect(
        queues.filter((q) => q.startsWith('{{Import:') && q.includes(`${def.logicalName}Dlq`)),
        def.logicalName,
      ).toHaveLength(1);
    }
    // The same list the dead-letter alarms watch.
    const alarms = Object.values(resources(template)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(queues).toHaveLength(alarms.length);
  });

  it('counts checkouts, flash-sale entries and flash-sale decisions', () => {
    const widgets = dashboardOf(template).widgets;
    const checkouts = metricsOf(graph(widgets, /^Checkouts/));
    expect(checkouts.map((m) => `${m.name} ${m.dims.operation}`)).toEqual(['Successes checkout', 'ClientErrors checkout', 'ServerErrors checkout', 'ShedRequests checkout']);
    const entries = metricsOf(graph(widgets, /^Flash-sale entries/));
    expect(entries.map((m) => m.dims.operation)).toEqual(Array(4).fill('enterFlashSale'));
    const decisions = metricsOf(graph(widgets, /^Flash-sale decisions/));
    expect(decisions.map((m) => m.name)).toEqual(['NumberOfMessagesSent', 'NumberOfMessagesDeleted', 'ApproximateAgeOfOldestMessage']);
    for (const m of decisions) expect(m.dims.QueueName).toMatch(new RegExp(`^\\{\\{Import:.*${QUEUES.flashSaleEntries.logicalName}(?!Dlq)`));
  });

  it('tables the 429 and 503 answers of the access log, and shows every alarm', () => {
    const widgets = dashboardOf(template).widgets;
    const log = widgets.filter((w) => w.type === 'log');
    expect(log).toHaveLength(1);
    const accessLogs = logicalIdOf(template, 'AWS::Logs::LogGroup', '/Api/AccessLogs/');
    expect(log[0]!.properties.query).toContain(`SOURCE '{{Ref:${accessLogs}}}'`);
    expect(log[0]!.properties.query).toMatch(/429\|503/);
    const status = widgets.filter((w) => w.type === 'alarm');
    expect(status).toHaveLength(1);
    const alarms = Object.keys(resources(template)).filter((id) => resources(template)[id]!.Type === 'AWS::CloudWatch::Alarm');
    expect((status[0]!.properties.alarms as string[]).sort()).toEqual(alarms.map((id) => `{{GetAtt:${id}.Arn}}`).sort());
  });

  it('follows the route table: a route left out leaves the dashboard too', () => {
    const routes = ROUTES.filter((r) => r.contract !== checkoutContract);
    const t = buildStacks({ stateless: { routes } }).statelessTemplate();
    const widgets = dashboardOf(t).widgets;
    expect(widgets.filter((w) => String(w.properties.title).startsWith('checkout:'))).toEqual([]);
    expect(widgets.filter((w) => String(w.properties.title).startsWith('Checkouts'))).toEqual([]);
    expect(JSON.stringify(widgets)).not.toContain('/checkout"');
  });

  it('is one per stage, unnamed (stages deploy side by side), and output as a console link', () => {
    for (const stage of ['dev', 'prod']) {
      const t = stage === 'dev' ? template : buildStacks({}, { stage }).statelessTemplate();
      const dashboard = logicalIdOf(t, 'AWS::CloudWatch::Dashboard', '/Monitoring/Dashboard/');
      expect(resources(t)[dashboard]!.Properties.DashboardName).toBeUndefined();
      expect(JSON.stringify(dashboardOf(t).widgets[0])).toContain(`Commerce/${stage}`);
      t.hasOutput('DashboardUrl', { Value: { 'Fn::Join': ['', Match.arrayWith([{ Ref: dashboard }])] } });
    }
  });
});

describe('what the dashboard reads', () => {
  it('enables detailed (per-route) metrics on the stage and on every route', () => {
    const stages = Object.values(resources(template)).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const { RouteSettings, DefaultRouteSettings } = stages[0]!.Properties;
    expect(DefaultRouteSettings.DetailedMetricsEnabled).toBe(true);
    expect(Object.keys(RouteSettings).sort()).toEqual(API_ROUTES.map(routeKey).sort());
    for (const [key, settings] of Object.entries(RouteSettings as Record<string, Record<string, unknown>>)) expect(settings.DetailedMetricsEnabled, key).toBe(true);
  });

  it('traces every function with X-Ray and Powertools Tracer, without responses in the traces', () => {
    const functions = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBe(Object.keys(FUNCTIONS).length);
    for (const fn of functions) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'commerce',
        POWERTOOLS_TRACE_ENABLED: 'true',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      });
    }
  });
});
