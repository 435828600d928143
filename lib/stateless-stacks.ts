import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, type EventRule, type EventSourceMapping, SCHEDULES, type Schedule } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES, type Route, type Throttle } from '#functions/routes';
import { checkoutContract } from '#shared/checkout/checkout.schema';
import { enterSaleContract } from '#shared/flash-sales/flash-sales.schema';
import type { QueueKey } from '#shared/platform/queues';
import { Api, type ApiReference, ApiStage } from './api';
import { DEFAULT_SERVICE_NAME, type EmailSettings, metricsNamespace } from './constructs/platform-function';
import { type BoundedContext, CONTEXT_CONSTRUCTS, CONTEXTS, type ContextName, type ContextProps, contextOf, contextSlug, type StreamedRoute } from './contexts/index';
import { Edge } from './edge';
import { acknowledgeProvidedFunctions, WebApps, WebSignIn } from './web-apps';
import type { QueueResource } from './messaging';
import { type ConcurrencyLimitedFunction, type CountGraph, Monitoring, type MonitoredRoute, operationMetric, type WatchedFunction } from './monitoring';
import type { StageSettings } from './stage';
import type { PlatformResources } from './stateful-stack';

export interface StatelessProps {
  /** @default Object.values(FUNCTIONS) */
  readonly functions?: readonly FunctionSpec[];
  /** @default ROUTES */
  readonly routes?: readonly Route[];
  /** @default DEFAULT_ROUTE */
  readonly defaultRoute?: { readonly function: FunctionSpec };
  /** @default DEFAULT_THROTTLE */
  readonly defaultThrottle?: Throttle;
  /** @default EVENT_RULES */
  readonly eventRules?: readonly EventRule[];
  /** @default SCHEDULES */
  readonly schedules?: readonly Schedule[];
  /** @default EVENT_SOURCE_MAPPINGS */
  readonly eventSourceMappings?: readonly EventSourceMapping[];
  /**
   * The From address of emails, and overrides of the stateful stack's identity and configuration set.
   * @default the stateful stack's email resource, without a From address (see EmailSettings)
   */
  readonly email?: EmailSettings;
  /**
   * The warehouse (WMS) endpoint that confirmed orders are POSTed to (WAREHOUSE_URL), https only.
   * @default none: functions that use the warehouse get no WAREHOUSE_URL and fail each invocation
   * with a ConfigError (kept in their failure queue, so the orders can be redriven once it is set)
   */
  readonly warehouseUrl?: string;
  /** @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /** Root of the handler entries. @default the repository root */
  readonly projectRoot?: string;
  /** The built web apps uploaded to the web bucket (must hold index.html). @default WEB_DIST (web/dist) */
  readonly webDist?: string;
  /** The shop the storefront sells and the console manages (`/config.json`'s shopId). @default 'demo' */
  readonly storefrontShop?: string;
  /** Custom domain, certificate and WAF of the distribution. @default none (see Edge) */
  readonly edge?: EdgeSettings;
  /**
   * Address subscribed by email to the Alarms topic (context `alarmEmail`); it must confirm the
   * subscription from the first message.
   * @default none: subscribe to the topic by hand (output AlarmsTopicArn)
   */
  readonly alarmEmail?: string;
  /**
   * HTTP operations (a route contract's `operationId`) alarmed on any 5xx answer (the handler's
   * `ServerErrors` metric).
   * @default those of DEFAULT_SERVER_ERROR_ALARMS that a route answers
   */
  readonly serverErrorAlarms?: readonly string[];
  /**
   * HTTP operations whose route is alarmed on its 5xx rate and p99 latency (API Gateway's
   * per-route metrics).
   * @default those of DEFAULT_ROUTE_ALARMS that a route answers
   */
  readonly routeAlarms?: readonly string[];
}

/**
 * Operations whose 5xx answers page someone by default: the flash-sale entry, which answers 503
 * when the Redis gate is unreachable (during a sale, every entry fails).
 */
export const DEFAULT_SERVER_ERROR_ALARMS: readonly string[] = [enterSaleContract.operationId];

/** Routes whose 5xx rate and p99 latency page someone by default: checkout, where the money is. */
export const DEFAULT_ROUTE_ALARMS: readonly string[] = [checkoutContract.operationId];

/** Optional parts of the distribution, from context (`edgeDomainName`, `edgeCertificateArn`, `edgeWebAclArn`). */
export interface EdgeSettings {
  readonly domainNames?: readonly string[];
  /** ACM certificate in us-east-1. */
  readonly certificateArn?: string;
  /** WAFv2 web ACL of scope CLOUDFRONT (us-east-1). */
  readonly webAclArn?: string;
}

/**
 * Every function spec the stateless stacks deploy: the registry plus any spec the wiring
 * names, deduplicated by id later. The stateful stack needs the same list for the roles of
 * search clients.
 */
export function deployedSpecs(props: Partial<StatelessProps>): FunctionSpec[] {
  return [
    ...(props.functions ?? Object.values(FUNCTIONS)),
    ...(props.routes ?? ROUTES).map((r) => r.function),
    (props.defaultRoute ?? DEFAULT_ROUTE).function,
    ...(props.eventRules ?? EVENT_RULES).flatMap((r) => r.targets),
    ...(props.schedules ?? SCHEDULES).map((s) => s.target),
    ...(props.eventSourceMappings ?? EVENT_SOURCE_MAPPINGS).map((m) => m.target),
  ];
}

interface StatelessStackBase extends StackProps {
  readonly settings: StageSettings;
}

/** The HTTP API and its JWT authorizer: what every context adds its routes to, by id. */
export class ApiStack extends Stack {
  readonly api: Api;

  constructor(scope: Construct, id: string, props: StatelessStackBase & { readonly resources: PlatformResources; readonly corsAllowOrigins?: readonly string[] }) {
    super(scope, id, props);
    this.api = new Api(this, 'Api', {
      userPool: props.resources.userPool,
      // The browser apps' client too: their access tokens carry its id.
      userPoolClients: [props.resources.userPoolClient, props.resources.webSignIn.client],
      ...(props.corsAllowOrigins ? { corsAllowOrigins: props.corsAllowOrigins } : {}),
    });
  }
}

/** One bounded context (see BoundedContext): its functions, routes, rules, schedules and mappings. */
export class ContextStack extends Stack {
  readonly context: BoundedContext;

  constructor(scope: Construct, id: string, props: StatelessStackBase & { readonly context: ContextName; readonly contextProps: ContextProps }) {
    super(scope, id, props);
    this.context = new CONTEXT_CONSTRUCTS[props.context](this, contextSlug(props.context).pascal, props.contextProps);
  }
}

/** The API's `$default` stage (throttles, access logs) and the CloudFront distribution in front of it. */
export class EdgeStack extends Stack {
  readonly stage: ApiStage;
  readonly edge: Edge;
  readonly web: WebApps;
  /** The web client's callback URLs on the distribution's domain, when no custom domain gave them (see WebSignIn). */
  readonly webSignIn?: WebSignIn;

  constructor(
    scope: Construct,
    id: string,
    props: StatelessStackBase & {
      readonly resources: PlatformResources;
      readonly httpApiId: string;
      readonly routes: readonly Route[];
      readonly defaultThrottle?: Throttle;
      readonly edge?: EdgeSettings;
      /** The streamed routes of the contexts, with their function URLs. */
      readonly streams?: readonly StreamedRoute[];
      /** @see StatelessProps.webDist */
      readonly webDist?: string;
      /** @see StatelessProps.storefrontShop */
      readonly storefrontShop?: string;
    },
  ) {
    super(scope, id, props);
    this.stage = new ApiStage(this, 'Api', {
      httpApiId: props.httpApiId,
      routes: props.routes,
      ...(props.defaultThrottle ? { defaultThrottle: props.defaultThrottle } : {}),
      accessLogRetention: props.settings.logRetention,
    });
    const signIn = props.resources.webSignIn;
    this.web = new WebApps(this, 'Web', {
      bucket: props.resources.webBucket,
      bucketArnExport: props.resources.webBucketArnExport,
      signIn,
      ...(props.webDist ? { dist: props.webDist } : {}),
      ...(props.storefrontShop ? { shopId: props.storefrontShop } : {}),
    });
    this.edge = new Edge(this, 'Edge', {
      web: this.web.behavior,
      httpApiId: props.httpApiId,
      routes: props.routes,
      imagesBucket: props.resources.imagesBucket,
      logsBucket: props.resources.logsBucket,
      edgeFlags: props.resources.edgeFlags,
      ...(props.streams?.length ? { streams: props.streams } : {}),
      priceClass: props.settings.edgePriceClass,
      ...(props.edge?.domainNames ? { domainNames: props.edge.domainNames } : {}),
      ...(props.edge?.certificateArn ? { certificateArn: props.edge.certificateArn } : {}),
      ...(props.edge?.webAclArn ? { webAclArn: props.edge.webAclArn } : {}),
    });
    const distribution = this.edge.distribution;
    this.web.deploy(distribution);
    if (!signIn.complete) {
      this.webSignIn = new WebSignIn(this, 'WebSignIn', {
        userPool: props.resources.userPool,
        client: signIn.client,
        origins: [`https://${distribution.distributionDomainName}`],
        localCallback: signIn.localCallback,
      });
    }
    acknowledgeProvidedFunctions(this, this.web);
    new CfnOutput(this, 'WebUrl', { value: `https://${distribution.distributionDomainName}/`, description: 'The storefront (the merchant console is under /admin/)' });
    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.edge.distribution.distributionDomainName,
      description: 'CloudFront domain of the API, the images and the web apps (https://<it>/v1/..., https://<it>/)',
    });
  }
}

/** The alarms of the stage, their SNS topic, and the dashboard (see Monitoring). */
export class MonitoringStack extends Stack {
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: StatelessStackBase & { readonly monitoring: (scope: Construct) => Monitoring }) {
    super(scope, id, props);
    this.monitoring = props.monitoring(this);
    new CfnOutput(this, 'AlarmsTopicArn', { value: this.monitoring.topic.topicArn, description: 'SNS topic of the stage alarms (subscribe on-call here)' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard of the stage: routes, load shed, dead-letter queues, checkouts and flash sales',
    });
  }
}

/** The stateless stacks of a stage, in deployment order. */
export interface StatelessStacks {
  readonly api: ApiStack;
  /** A stack per context that has at least one function. */
  readonly contexts: Readonly<Partial<Record<ContextName, ContextStack>>>;
  readonly edge: EdgeStack;
  readonly monitoring: MonitoringStack;
  /** Every stateless stack: api, contexts, edge, monitoring. */
  readonly all: readonly Stack[];
}

/**
 * The stateless stacks of a stage, `<prefix>-<name>`, all generated from the definition files
 * and holding no state (each can be destroyed and redeployed freely):
 * - `api`: the HTTP API and its JWT authorizer;
 * - one per context (`catalog`, `inventory`, `checkout`, `orders`, `flash-sales`,
 *   `notifications`, `platform`): its functions, its routes (added to the API by id, with
 *   their integrations and invoke permissions), its rules, schedules and event source mappings
 *   with their dead-letter queues;
 * - `edge`: the API's stage (per-route throttles, access logs; after every route exists) and
 *   the CloudFront distribution;
 * - `monitoring`: alarms, their topic and the dashboard. The alarms of the contexts' dead-letter
 *   queues and workers stay here rather than in each context: the topic they notify and the
 *   dashboard's alarm-status widget need them together, and in a context stack they would
 *   import the topic from a stack that deploys after them. Their metrics name the contexts'
 *   queues and functions, the only references from the contexts' stacks to this one.
 * Each stays far below CloudFormation's 500 resources (a template test fails above 450).
 */
export function defineStatelessStacks(
  scope: Construct,
  prefix: string,
  props: StatelessProps & { readonly settings: StageSettings; readonly resources: PlatformResources; readonly stateful?: Stack },
): StatelessStacks {
  const routes = props.routes ?? ROUTES;
  const defaultRoute = props.defaultRoute ?? DEFAULT_ROUTE;
  const eventRules = props.eventRules ?? EVENT_RULES;
  const schedules = props.schedules ?? SCHEDULES;
  const eventSourceMappings = props.eventSourceMappings ?? EVENT_SOURCE_MAPPINGS;
  const { resources, settings } = props;
  const stage = settings.stage;
  const email: EmailSettings = { ...resources.email, ...props.email };
  checkEmail(prefix, email);
  if (props.warehouseUrl !== undefined) checkWarehouseUrl(prefix, props.warehouseUrl);
  const specs = deployedSpecs(props);
  checkSpecs(prefix, specs);
  checkWiringIds(prefix, eventRules, schedules, eventSourceMappings);

  // Alarmed operations, checked before anything is built.
  const routed = (operation: string): boolean => routes.some((route) => route.contract.operationId === operation);
  const serverErrorAlarms = props.serverErrorAlarms ?? DEFAULT_SERVER_ERROR_ALARMS.filter(routed);
  for (const operation of serverErrorAlarms) {
    if (!routed(operation)) throw new Error(`${prefix}: serverErrorAlarms names "${operation}", the operationId of no route`);
  }
  const routeAlarms = props.routeAlarms ?? DEFAULT_ROUTE_ALARMS.filter(routed);
  for (const operation of routeAlarms) {
    if (!routed(operation)) throw new Error(`${prefix}: routeAlarms names "${operation}", the operationId of no route`);
  }

  const base = (what: string): StatelessStackBase => ({
    settings,
    description: `Commerce platform (${stage}): ${what}`,
  });
  const api = new ApiStack(scope, `${prefix}-api`, {
    ...base('the HTTP API and its JWT authorizer'),
    resources,
    ...(props.corsAllowOrigins ? { corsAllowOrigins: props.corsAllowOrigins } : {}),
  });
  const reference: ApiReference = api.api.reference;

  const contextProps: ContextProps = {
    stage,
    resources: { ...resources, email, ...(props.warehouseUrl !== undefined ? { warehouseUrl: props.warehouseUrl } : {}) },
    api: reference,
    specs,
    routes,
    defaultRoute,
    eventRules,
    schedules,
    eventSourceMappings,
    logRetention: settings.logRetention,
    ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
  };
  const contexts: Partial<Record<ContextName, ContextStack>> = {};
  for (const context of CONTEXTS) {
    if (!specs.some((spec) => contextOf(spec) === context)) continue;
    const stack = new ContextStack(scope, `${prefix}-${contextSlug(context).kebab}`, {
      ...base(`the ${contextSlug(context).kebab} context: its functions, routes, rules, schedules and event source mappings`),
      context,
      contextProps,
    });
    stack.addStackDependency(api);
    if (props.stateful) stack.addStackDependency(props.stateful);
    contexts[context] = stack;
  }
  const contextStacks = Object.values(contexts);

  const edge = new EdgeStack(scope, `${prefix}-edge`, {
    ...base('the stage of the HTTP API (throttles, access logs), the CloudFront distribution and the web apps upload'),
    resources,
    httpApiId: reference.httpApiId,
    routes,
    ...(props.defaultThrottle ? { defaultThrottle: props.defaultThrottle } : {}),
    ...(props.edge ? { edge: props.edge } : {}),
    streams: contextStacks.flatMap(({ context }) => context.streams),
    ...(props.webDist ? { webDist: props.webDist } : {}),
    ...(props.storefrontShop ? { storefrontShop: props.storefrontShop } : {}),
  });
  // The stage's per-route settings name route keys, which must exist first.
  for (const stack of contextStacks) edge.addStackDependency(stack);

  // Alarms: every dead-letter queue of the stage, the errors of every queue worker (a thrown
  // error fails its whole batch), the 5xx answers of the operations named above, and the 5xx
  // rate and p99 of the alarmed routes. The dashboard is generated from the same lists.
  const concurrencyLimited = new Map<string, ConcurrencyLimitedFunction>();
  const workers = new Map<string, WatchedFunction>();
  for (const { context } of contextStacks) {
    for (const spec of context.specs) {
      if (spec.maxConcurrency === undefined) continue;
      concurrencyLimited.set(spec.id, { id: spec.id, function: context.functions.platformFunction(spec).function, limit: spec.maxConcurrency });
    }
    for (const mapping of context.eventSourceMappings) {
      if (mapping.kind !== 'sqs' || workers.has(mapping.target.id)) continue;
      workers.set(mapping.target.id, {
        id: mapping.target.id,
        // The function itself, not its alias: its metrics count every invocation, whatever invoked it.
        function: context.functions.platformFunction(mapping.target).function,
        why: `it consumes the ${mapping.queue} queue, and a thrown error returns the whole batch to the queue (toward its dead-letter queue).`,
      });
    }
  }
  const metricsSource = { metricsNamespace: metricsNamespace(stage), serviceName: DEFAULT_SERVICE_NAME };
  const monitoring = new MonitoringStack(scope, `${prefix}-monitoring`, {
    ...base('alarms, their SNS topic and the dashboard'),
    monitoring: (stackScope) =>
      new Monitoring(stackScope, 'Monitoring', {
        deadLetterQueues: [
          ...Object.values(resources.queues).map(({ deadLetterQueue, definition }) => ({
            id: `${definition.logicalName}Dlq`,
            queue: deadLetterQueue,
            holds: `messages of the ${definition.logicalName} queue received ${definition.maxReceiveCount} times without success`,
          })),
          ...contextStacks.flatMap(({ context }) => context.deadLetterQueues),
        ],
        functionErrors: [...workers.values()],
        serverErrorOperations: serverErrorAlarms,
        ...metricsSource,
        ...(props.alarmEmail !== undefined ? { email: props.alarmEmail } : {}),
        api: {
          apiId: reference.httpApiId,
          stageName: edge.stage.stage.stageName,
          // API Gateway's per-route metrics: streamed routes are function URLs, not API routes.
          routes: routes.filter((route) => !route.responseStreaming).map(monitoredRoute),
          accessLogs: edge.stage.accessLogs,
        },
        routeAlarms,
        concurrencyLimited: [...concurrencyLimited.values()],
        counts: businessCounts(metricsSource, routed, resources.queues['flashSaleEntries' satisfies QueueKey]),
      }),
  });
  // User pool, client and bus ids are outputs of the stateful stack, which owns them
  // (re-exporting an imported value is flagged by cfn-lint W6001).
  return { api, contexts, edge, monitoring, all: [api, ...contextStacks, edge, monitoring] };
}

/** Two different specs under one id would deploy one of them silently. */
function checkSpecs(where: string, specs: readonly FunctionSpec[]): void {
  const byId = new Map<string, FunctionSpec>();
  for (const spec of specs) {
    const known = byId.get(spec.id);
    if (known && known !== spec && JSON.stringify(known) !== JSON.stringify(spec)) {
      throw new Error(`${where}: two different function specs share the id "${spec.id}" (${known.entry}, ${spec.entry})`);
    }
    byId.set(spec.id, spec);
  }
}

/** Rule, schedule and mapping ids name their dead-letter queues and alarms across every context; each rule has targets. */
function checkWiringIds(where: string, rules: readonly EventRule[], schedules: readonly Schedule[], mappings: readonly EventSourceMapping[]): void {
  // A rule belongs to the context of its targets, so one without targets would be left out silently.
  for (const rule of rules) {
    if (rule.targets.length === 0 || rule.targets.length > 5) throw new Error(`${where}: rule ${rule.id} needs 1 to 5 targets`);
  }
  const seen = new Set<string>();
  for (const id of [...rules.map((r) => r.id), ...schedules.map((s) => s.id), ...mappings.map((m) => m.id)]) {
    if (seen.has(id)) throw new Error(`${where}: duplicate id "${id}" among rules, schedules and mappings`);
    seen.add(id);
  }
}

/** A route as the monitoring sees it; grouped on the dashboard by its handler's directory (functions/<group>/). */
function monitoredRoute(route: Route): MonitoredRoute {
  const [, group] = route.function.entry.split('/');
  return { method: route.method, path: route.path, operation: route.contract.operationId, group: group ?? 'other' };
}

/**
 * The dashboard's business counts, each only when its route or queue is deployed: checkouts
 * (the checkout handler's answers), flash-sale entries (the entry handler's answers) and
 * decisions (tickets through the entry queue: the worker deletes a ticket once it is decided).
 */
function businessCounts(source: { readonly metricsNamespace: string; readonly serviceName: string }, routed: (operation: string) => boolean, entries: QueueResource | undefined): CountGraph[] {
  const answers = (operation: string, what: { ok: string; refused: string }) => [
    operationMetric(source, operation, 'Successes', what.ok),
    operationMetric(source, operation, 'ClientErrors', what.refused),
    operationMetric(source, operation, 'ServerErrors', `${operation} 5xx`),
    operationMetric(source, operation, 'ShedRequests', `${operation} shed (429/503)`),
  ];
  const counts: CountGraph[] = [];
  const checkout = checkoutContract.operationId;
  if (routed(checkout)) counts.push({ title: 'Checkouts per minute', left: answers(checkout, { ok: 'orders placed (2xx)', refused: 'refused (4xx: declined, out of stock...)' }) });
  const enter = enterSaleContract.operationId;
  if (routed(enter)) counts.push({ title: 'Flash-sale entries per minute', left: answers(enter, { ok: 'tickets or sold out (2xx)', refused: 'refused (4xx)' }) });
  if (entries) {
    const perMinute = { period: Duration.minutes(1), statistic: 'Sum' } as const;
    counts.push({
      title: 'Flash-sale decisions per minute (left), oldest undecided ticket (right, s)',
      left: [entries.queue.metricNumberOfMessagesSent({ ...perMinute, label: 'tickets queued' }), entries.queue.metricNumberOfMessagesDeleted({ ...perMinute, label: 'tickets decided' })],
      right: [entries.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum', label: 'oldest ticket age' })],
    });
  }
  return counts;
}

/** A From address that the identity cannot send as would only fail at the first email. */
function checkEmail(where: string, email: EmailSettings): void {
  const { fromAddress, identity } = email;
  if (fromAddress === undefined) return;
  const at = fromAddress.lastIndexOf('@');
  if (at < 1 || /\s/.test(fromAddress) || !fromAddress.slice(at + 1).includes('.')) {
    throw new Error(`${where}: the email From address "${fromAddress}" (context emailFrom) is not an email address`);
  }
  if (identity === undefined) return;
  const domain = fromAddress.slice(at + 1).toLowerCase();
  const id = identity.toLowerCase();
  const allowed = id.includes('@') ? fromAddress.toLowerCase() === id : domain === id || domain.endsWith(`.${id}`);
  if (!allowed) {
    throw new Error(`${where}: the email From address "${fromAddress}" (context emailFrom) cannot be sent as the SES identity "${identity}" (context emailIdentity)`);
  }
}

function checkWarehouseUrl(where: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.username || url.password) {
    throw new Error(`${where}: the warehouse URL "${value}" (context warehouseUrl) must be an absolute https:// URL without credentials`);
  }
}
