import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
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
}

/**
 * The stage's alarms and the `Alarms` SNS topic they notify (on ALARM and back to OK):
 * - every dead-letter queue with a visible message (ApproximateNumberOfMessagesVisible > 0);
 * - Lambda `Errors` of the given functions (a queue worker that throws fails its whole batch);
 * - `ServerErrors` of the given HTTP operations (a 5xx answer, such as the 503 of a gate that
 *   cannot reach Redis).
 * No data means no failure (missing data is not breaching): these metrics only appear when
 * something happens.
 *
 * The topic refuses publishing without TLS and lets only this account's CloudWatch alarms
 * publish. It is not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed
 * SNS key, and alarm notifications carry alarm, metric and resource names only, no customer data.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];

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
    const alarm = (alarmId: string, metric: Metric, description: string, threshold: number, comparison: ComparisonOperator): void => {
      const created = metric.createAlarm(this, alarmId, {
        alarmDescription: description,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms.push(created);
    };

    for (const { id: queueId, queue, holds } of props.deadLetterQueues) {
      alarm(
        `${queueId}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period: deadLetterPeriod, statistic: 'Maximum' }),
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
      const metric = new Metric({
        namespace: props.metricsNamespace,
        metricName: 'ServerErrors',
        dimensionsMap: { service: props.serviceName, operation },
        statistic: 'Sum',
        period: errorPeriod,
      });
      alarm(
        `${operation.charAt(0).toUpperCase()}${operation.slice(1)}ServerErrors`,
        metric,
        `${operation} answered 5xx (a 503 when its dependencies, such as Redis, are unreachable): see the function's logs by operation.`,
        1,
        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      );
    }
    this.alarms = alarms;
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
    checkIds(props.deadLetterQueues.map((q) => q.id), 'dead-letter queue');
    checkIds(props.functionErrors.map((f) => f.id), 'function');
    checkIds(props.serverErrorOperations, 'operation');
    if (!props.metricsNamespace || !props.serviceName) throw new Error(`${where}: metricsNamespace and serviceName are required for the ServerErrors alarms`);
    if (props.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(props.email)) {
      throw new Error(`${where}: the alarm email "${props.email}" (context alarmEmail) is not an email address`);
    }
  }
}
