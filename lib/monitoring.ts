import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A queue whose messages are failures: any message in it needs a person. */
export interface WatchedQueue {
  /** PascalCase, unique among the watched queues; names the alarm's construct. */
  readonly id: string;
  readonly queue: IQueue;
  /** What ends up there (said in the alarm description). */
  readonly holds: string;
}

/** A function whose invocation errors need a person. */
export interface WatchedFunction {
  /** PascalCase spec id; names the alarm's construct. */
  readonly id: string;
  readonly function: IFunction;
  /** Why its errors matter (said in the alarm description). */
  readonly why: string;
}

/** A route of the HTTP API, named as its per-route (detailed) metrics and its handler's metrics name it. */
export interface MonitoredRoute {
  readonly method: string;
  /** API Gateway path syntax (the `Resource` dimension): `/v1/shops/{shopId}/checkout`. */
  readonly path: string;
  /** The route contract's `operationId`: the `operation` dimension of the handler's metrics. */
  readonly operation: string;
  /** Routes of one group share the dashboard's latency and error graphs. */
  readonly group: string;
}

export interface MonitoredApi {
  readonly apiId: string;
  /** The stage whose detailed metrics are read (`$default`). */
  readonly stageName: string;
  readonly routes: readonly MonitoredRoute[];
  /** The stage's JSON access log (fields `routeKey` and `status`): the dashboard's table of 429 and 503 answers. */
  readonly accessLogs?: ILogGroup;
}

/** A function with reserved concurrency: its Lambda `Throttles` are load refused at that limit. */
export interface ConcurrencyLimitedFunction {
  readonly id: string;
  readonly function: IFunction;
  readonly limit: number;
}

/** A graph of business counts on the dashboard (orders placed, flash-sale tickets...). */
export interface CountGraph {
  readonly title: string;
  readonly left: readonly IMetric[];
  /** On the right axis (ages, sizes: other units than the left). */
  readonly right?: readonly IMetric[];
}

/** Thresholds of the per-route alarms: they page on a checkout outage, not on one slow request. */
export const ROUTE_ALARM_THRESHOLDS = {
  /** Alarm when more than this percentage of a route's answers in 5 minutes are 5xx... */
  serverErrorPercent: 2,
  /** ...among at least this many requests (fewer say nothing about a rate). */
  minRequests: 20,
  /** Alarm when the route's p99 latency exceeds this in 3 of 5 consecutive minutes. */
  p99Latency: Duration.seconds(1),
} as const;

export interface MonitoringProps {
  /** Every dead-letter and on-failure queue: alarm when one holds a message. */
  readonly deadLetterQueues: readonly WatchedQueue[];
  /** Functions alarmed on their Lambda `Errors`. */
  readonly functionErrors: readonly WatchedFunction[];
  /**
   * HTTP operations (contract `operationId`) alarmed on the `ServerErrors` metric that the HTTP
   * handler publishes through Powertools (dimensions `service` and `operation`).
   */
  readonly serverErrorOperations: readonly string[];
  /** Namespace of the functions' Powertools metrics (see metricsNamespace). */
  readonly metricsNamespace: string;
  /** The functions' Powertools service name (the `service` dimension). */
  readonly serviceName: string;
  /** Address subscribed to the topic by email (it must confirm the subscription). @default none */
  readonly email?: string;
  /** Period of the error alarms. @default Duration.minutes(1) */
  readonly errorPeriod?: Duration;
  /** Period of the dead-letter alarms. @default Duration.minutes(5) */
  readonly deadLetterPeriod?: Duration;
  /** The HTTP API: per-route graphs on the dashboard, and the metrics of the route alarms. */
  readonly api: MonitoredApi;
  /**
   * Operations (contract `operationId`) whose route is alarmed on its 5xx rate and its p99
   * latency, from API Gateway's per-route metrics (what the caller saw, including API
   * Gateway's own 5xx when the function cannot be invoked).
   * @default none
   */
  readonly routeAlarms?: readonly string[];
  /** Functions with reserved concurrency, graphed with their throttles. @default none */
  readonly concurrencyLimited?: readonly ConcurrencyLimitedFunction[];
  /** Business counts graphed at the top of the dashboard. @default none */
  readonly counts?: readonly CountGraph[];
}

/** A handler metric (Powertools, see http-handler.ts): namespace, `service` and `operation` dimensions, summed. */
export function operationMetric(source: { readonly metricsNamespace: string; readonly serviceName: string }, operation: string, metricName: string, label?: string): Metric {
  return new Metric({
    namespace: source.metricsNamespace,
    metricName,
    dimensionsMap: { service: source.serviceName, operation },
    statistic: 'Sum',
    period: Duration.minutes(1),
    ...(label ? { label } : {}),
  });
}

const GRID_WIDTH = 24;
const GRAPH_HEIGHT = 6;

/**
 * The stage's alarms, the `Alarms` SNS topic they notify (on ALARM and back to OK), and the
 * stage's dashboard. Alarms:
 * - every dead-letter queue with a visible message (ApproximateNumberOfMessagesVisible > 0);
 * - Lambda `Errors` of the given functions (a queue worker that throws fails its whole batch);
 * - `ServerErrors` of the given HTTP operations (a 5xx answer, such as the 503 of a gate that
 *   cannot reach Redis);
 * - the 5xx rate and the p99 latency of the routes of `routeAlarms` (checkout by default).
 * No data means no failure (missing data is not breaching): these metrics only appear when
 * something happens, and a route without traffic is neither failing nor slow.
 *
 * The dashboard is generated from the same lists (routes, queues, functions), so it cannot
 * drift from what is deployed: business counts, load shed and throttled, dead-letter depths,
 * then per route group p50/p99 latency and requests, 4xx and 5xx.
 *
 * The topic refuses publishing without TLS and lets only this account's CloudWatch alarms
 * publish. It is not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed
 * SNS key, and alarm notifications carry alarm, metric and resource names only, no customer data.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.validate(props);
    const stack = Stack.of(this);
    const errorPeriod = props.errorPeriod ?? Duration.minutes(1);
    const deadLetterPeriod = props.deadLetterPeriod ?? Duration.minutes(5);

    const topic = new Topic(this, 'Alarms', { displayName: 'Commerce alarms', enforceSSL: true });
    // A topic policy replaces SNS's default one, which is what let CloudWatch publish.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    if (props.email) topic.addSubscription(new EmailSubscription(props.email));
    this.topic = topic;

    const alarms: Alarm[] = [];
    const action = new SnsAction(topic);
    const alarm = (
      alarmId: string,
      metric: IMetric,
      description: string,
      threshold: number,
      comparison: ComparisonOperator,
      periods: { evaluation: number; toAlarm: number } = { evaluation: 1, toAlarm: 1 },
    ): void => {
      const created = new Alarm(this, alarmId, {
        metric,
        alarmDescription: description,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: periods.evaluation,
        datapointsToAlarm: periods.toAlarm,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.push(created);
    };

    for (const { id: queueId, queue, holds } of props.deadLetterQueues) {
      alarm(
        `${queueId}Depth`,
        deadLetterDepth(queue, deadLetterPeriod),
        `${queueId} holds messages: ${holds}. Find the cause in the logs, fix it, then redrive or delete them.`,
        0,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
    }
    for (const watched of props.functionErrors) {
      alarm(
        `${watched.id}Errors`,
        watched.function.metricErrors({ period: errorPeriod, statistic: 'Sum' }),
        `${watched.id} failed invocations: ${watched.why}`,
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      );
    }
    for (const operation of props.serverErrorOperations) {
      alarm(
        `${pascal(operation)}ServerErrors`,
        operationMetric(props, operation, 'ServerErrors').with({ period: errorPeriod }),
        `${operation} answered 5xx (a 503 when its dependencies, such as Redis, are unreachable): see the function's logs by operation.`,
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      );
    }

    const thresholds = ROUTE_ALARM_THRESHOLDS;
    for (const operation of props.routeAlarms ?? []) {
      const route = props.api.routes.find((r) => r.operation === operation)!;
      const key = `${route.method} ${route.path}`;
      // Answers that are 5xx, as a percentage, over 5 minutes; 0 below the minimum count (too few to be a rate).
      const rate = new MathExpression({
        expression: `IF(requests >= ${thresholds.minRequests}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: {
          errors: routeMetric(props.api, route, '5xx', 'Sum').with({ period: Duration.minutes(5) }),
          requests: routeMetric(props.api, route, 'Count', 'Sum').with({ period: Duration.minutes(5) }),
        },
        period: Duration.minutes(5),
        label: `${operation} 5xx %`,
      });
      alarm(
        `${pascal(operation)}ServerErrorRate`,
        rate,
        `${key}: more than ${thresholds.serverErrorPercent}% of answers were 5xx over 5 minutes (at least ${thresholds.minRequests} requests). ` +
          `${operation} is failing for customers: see the dashboard (DependencyTimeouts, throttles) and the function's logs.`,
        thresholds.serverErrorPercent,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
      alarm(
        `${pascal(operation)}LatencyP99`,
        routeMetric(props.api, route, 'Latency', 'p99'),
        `${key}: p99 latency above ${thresholds.p99Latency.toMilliseconds()} ms in 3 of the last 5 minutes. See the dashboard and the function's traces (X-Ray).`,
        thresholds.p99Latency.toMilliseconds(),
        ComparisonOperator.GREATER_THAN_THRESHOLD,
        { evaluation: 5, toAlarm: 3 },
      );
    }
    this.alarms = alarms;
    this.dashboard = this.buildDashboard(props, alarms, deadLetterPeriod);
  }

  private buildDashboard(props: MonitoringProps, alarms: readonly Alarm[], deadLetterPeriod: Duration): Dashboard {
    const { api } = props;
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: readonly IMetric[], width: number, extra: { right?: readonly IMetric[]; leftLabel?: string; rightLabel?: string } = {}): GraphWidget =>
      new GraphWidget({
        title,
        left: [...left],
        ...(extra.right ? { right: [...extra.right], rightYAxis: { min: 0, showUnits: false, ...(extra.rightLabel ? { label: extra.rightLabel } : {}) } } : {}),
        leftYAxis: { min: 0, showUnits: false, ...(extra.leftLabel ? { label: extra.leftLabel } : {}) },
        width,
        height: GRAPH_HEIGHT,
      });

    dashboard.addWidgets(
      new TextWidget({
        markdown: [
          `## ${props.metricsNamespace}: routes, load shed, queues`,
          `Per-route graphs are API Gateway's detailed metrics of stage \`${api.stageName}\`; a route throttle answers 429 there (in 4xx). ` +
            'Handlers count the 429/503 they answer to shed load (ShedRequests) and the 503 of a dependency that missed its time budget (DependencyTimeouts). ' +
            'Every alarm notifies the SNS topic of the stack output AlarmsTopicArn.',
        ].join('\n\n'),
        width: GRID_WIDTH,
        height: 3,
      }),
    );
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: GRID_WIDTH, height: 4 }));

    const counts = props.counts ?? [];
    for (let i = 0; i < counts.length; i += 3) {
      const row = counts.slice(i, i + 3);
      dashboard.addWidgets(...row.map((c) => graph(c.title, c.left, GRID_WIDTH / row.length, c.right ? { right: c.right } : {})));
    }

    const operations = [...new Set(api.routes.map((r) => r.operation))];
    const limited = props.concurrencyLimited ?? [];
    const overloadWidth = GRID_WIDTH / (limited.length > 0 ? 3 : 2);
    const overload: IWidget[] = [
      graph(
        'Shed requests (429/503 answered by handlers) by operation',
        operations.map((op) => operationMetric(props, op, 'ShedRequests', op)),
        overloadWidth,
      ),
      graph(
        'Dependency timeouts (answered 503) by operation',
        operations.map((op) => operationMetric(props, op, 'DependencyTimeouts', op)),
        overloadWidth,
      ),
    ];
    if (limited.length > 0) {
      overload.push(
        graph(
          'Lambda throttles at reserved concurrency',
          limited.map((f) => f.function.metricThrottles({ statistic: 'Sum', period: Duration.minutes(1), label: `${f.id} throttles` })),
          overloadWidth,
          {
            right: limited.map((f) => f.function.metric('ConcurrentExecutions', { statistic: 'Maximum', period: Duration.minutes(1), label: `${f.id} concurrent (limit ${f.limit})` })),
            rightLabel: 'concurrent',
          },
        ),
      );
    }
    dashboard.addWidgets(...overload);

    const bottom: IWidget[] = [
      graph(
        'Dead-letter queues: messages waiting',
        props.deadLetterQueues.map((q) => deadLetterDepth(q.queue, deadLetterPeriod).with({ label: q.id })),
        api.accessLogs ? 12 : GRID_WIDTH,
      ),
    ];
    if (api.accessLogs) {
      bottom.push(
        new LogQueryWidget({
          title: '429 and 503 answers by route (access log)',
          logGroupNames: [api.accessLogs.logGroupName],
          view: LogQueryVisualizationType.TABLE,
          queryLines: ['filter status like /^(429|503)$/', 'stats count(*) as answers by routeKey, status', 'sort answers desc', 'limit 50'],
          width: 12,
          height: GRAPH_HEIGHT,
        }),
      );
    }
    dashboard.addWidgets(...bottom);

    for (const [group, routes] of groupBy(api.routes, (r) => r.group)) {
      dashboard.addWidgets(
        graph(
          `${group}: latency p50 and p99 (ms)`,
          routes.flatMap((r) => [routeMetric(api, r, 'Latency', 'p50', `${r.operation} p50`), routeMetric(api, r, 'Latency', 'p99', `${r.operation} p99`)]),
          12,
          { leftLabel: 'ms' },
        ),
        graph(
          `${group}: 4xx and 5xx (left), requests (right) per minute`,
          routes.flatMap((r) => [routeMetric(api, r, '4xx', 'Sum', `${r.operation} 4xx`), routeMetric(api, r, '5xx', 'Sum', `${r.operation} 5xx`)]),
          12,
          { right: routes.map((r) => routeMetric(api, r, 'Count', 'Sum', `${r.operation} requests`)) },
        ),
      );
    }
    return dashboard;
  }

  private validate(props: MonitoringProps): void {
    const where = this.node.path;
    const checkIds = (ids: readonly string[], what: string): void => {
      const seen = new Set<string>();
      for (const id of ids) {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(id)) throw new Error(`${where}: ${what} "${id}" must be alphanumeric, starting with a letter`);
        if (seen.has(id)) throw new Error(`${where}: ${what} "${id}" is watched twice`);
        seen.add(id);
      }
    };
    checkIds(
      props.deadLetterQueues.map((q) => q.id),
      'dead-letter queue',
    );
    checkIds(
      props.functionErrors.map((f) => f.id),
      'function',
    );
    checkIds(props.serverErrorOperations, 'operation');
    checkIds(props.routeAlarms ?? [], 'alarmed route operation');
    checkIds(
      (props.concurrencyLimited ?? []).map((f) => f.id),
      'concurrency-limited function',
    );
    if (!props.metricsNamespace || !props.serviceName) throw new Error(`${where}: metricsNamespace and serviceName are required for the ServerErrors alarms`);
    if (props.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.email)) {
      throw new Error(`${where}: the alarm email "${props.email}" (context alarmEmail) is not an email address`);
    }
    for (const operation of props.routeAlarms ?? []) {
      const routes = props.api.routes.filter((r) => r.operation === operation);
      if (routes.length !== 1) throw new Error(`${where}: routeAlarms names "${operation}", which ${routes.length} routes answer (alarms need exactly one)`);
    }
    for (const f of props.concurrencyLimited ?? []) {
      if (!Number.isInteger(f.limit) || f.limit < 1) throw new Error(`${where}: ${f.id}: concurrency limit must be a positive integer, got ${f.limit}`);
    }
  }
}

/**
 * A route metric of the HTTP API. Per-route (detailed) metrics carry ApiId, Stage, Method and
 * Resource (the route's path), and exist only when the stage enables detailed metrics.
 */
function routeMetric(api: MonitoredApi, route: MonitoredRoute, metricName: 'Latency' | 'Count' | '4xx' | '5xx', statistic: string, label?: string): Metric {
  return new Metric({
    namespace: 'AWS/ApiGateway',
    metricName,
    dimensionsMap: { ApiId: api.apiId, Stage: api.stageName, Method: route.method, Resource: route.path },
    statistic,
    period: Duration.minutes(1),
    ...(label ? { label } : {}),
  });
}

function deadLetterDepth(queue: IQueue, period: Duration): Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
}

function pascal(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** Items by key, keys in order of first appearance. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
