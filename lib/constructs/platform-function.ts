import type { IKeyValueStore } from 'aws-cdk-lib/aws-cloudfront';
import { existsSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEALTH_PROBE_KEY } from '#shared/platform/check-health';
import { Annotations, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alias, Architecture, type IFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { FunctionSpec, TableAccess } from '#functions/registry';
import type { RedisEndpoint } from '../cache';
import type { TableResource } from '../data';
import type { QueueResource } from '../messaging';
import type { SearchResource } from '../search-resource';

/** The repository root: handler entries in FunctionSpec are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Defines `require` inside the ESM bundle, for CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const DEFAULT_MEMORY_MB = 512;

/** The Powertools service name of the functions: the `service` dimension of their metrics. */
export const DEFAULT_SERVICE_NAME = 'commerce';

/** The CloudWatch namespace of the functions' Powertools metrics (POWERTOOLS_METRICS_NAMESPACE) in a stage. */
export function metricsNamespace(stage: string): string {
  return `Commerce/${stage}`;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Read and write actions granted per table access level (no wildcards, named indexes only). */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'] as const;
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'] as const;

/**
 * Actions granted on `Resource: *` because AWS offers no resource-level permission for them.
 * The one wildcard acknowledgement of each function role relies on this list; a template test
 * checks that no other action is ever granted on `*`.
 */
export const WILDCARD_RESOURCE_ACTIONS: readonly string[] = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'dynamodb:ListStreams',
  'ses:GetAccount',
  'ses:GetSendQuota',
  'application-autoscaling:DescribeScheduledActions',
];

/** The alias that invokes a function warmed for flash sales (`warmForSales`): provisioned concurrency is set on an alias or a version. */
export const WARM_ALIAS_NAME = 'live';

/**
 * The most provisioned concurrency a sale's schedule may set on one warmed function: the
 * scalable target's registered maximum, and the sizing's budget per sale (docs/capacity.md).
 */
export const WARM_MAX_CAPACITY = 400;

/** Application Auto Scaling's target for provisioned concurrency of one warmed function. */
export interface WarmTarget {
  readonly load: string;
  /** `function:<name>:live`, the ResourceId of the Application Auto Scaling calls. */
  readonly resourceId: string;
  readonly scalableTarget: ScalableTarget;
}

/** Sending identity for functions that send email. */
export interface EmailSettings {
  /** From address of every email, also enforced through the `ses:FromAddress` condition. */
  readonly fromAddress?: string;
  /**
   * The verified SES identity (domain or address) that functions may send as.
   * @default any identity of the account and region, narrowed by fromAddress when given
   */
  readonly identity?: string;
  /**
   * The configuration set of every email (SES_CONFIGURATION_SET); sending is allowed through it.
   * @default none (the stateful stack always makes one, see Email)
   */
  readonly configurationSet?: IConfigurationSet;
}

/** What functions may be given; a spec that uses something missing here is refused. */
export interface FunctionResources {
  readonly tables?: Readonly<Record<string, TableResource>>;
  readonly queues?: Readonly<Record<string, QueueResource>>;
  readonly eventBus?: IEventBus;
  /** The KeyValueStore of sale flags read by the edge function (`uses.edgeFlags`). */
  readonly edgeFlags?: IKeyValueStore;
  readonly redis?: RedisEndpoint;
  readonly vpc?: IVpc;
  readonly functionSubnets?: SubnetSelection;
  readonly functionSecurityGroup?: ISecurityGroup;
  /** Stripe's keys (`uses.payments`): JSON `{secretKey, webhookSecret}`. */
  readonly paymentsSecret?: ISecret;
  /** The carriers' webhook secrets (`uses.carrierWebhooks`): JSON by carrier name. */
  readonly carrierWebhookSecrets?: ISecret;
  /** The HMAC secret of the warehouse hand-over (`uses.warehouse`). */
  readonly warehouseSecret?: ISecret;
  /** The HMAC secret of flash-sale stream tokens (`uses.streamTokens`). */
  readonly streamTokenSecret?: ISecret;
  /**
   * The warehouse's endpoint (`uses.warehouse`, WAREHOUSE_URL).
   * @default none: the function gets no WAREHOUSE_URL, so each invocation fails with a ConfigError
   * (into its failure queue) until the stage is deployed with one (context `warehouseUrl`)
   */
  readonly warehouseUrl?: string;
  readonly email?: EmailSettings;
  /** The catalog search domain, with the roles it admits (see Search). */
  readonly search?: SearchResource;
}

export interface PlatformFunctionProps {
  readonly spec: FunctionSpec;
  readonly stage: string;
  readonly resources: FunctionResources;
  /** @default DEFAULT_SERVICE_NAME */
  readonly serviceName?: string;
  /** Root that `spec.entry` and `package-lock.json` are relative to. @default the repository root */
  readonly projectRoot?: string;
  /** @default RetentionDays.TWO_WEEKS */
  readonly logRetention?: RetentionDays;
  /**
   * Place the function in the VPC even if its `uses` need no VPC-only endpoint (platform
   * functions outside the registry that talk to one, such as the search domain's setup).
   * @default only when `spec.uses` names Redis or search
   */
  readonly placeInVpc?: boolean;
}

/**
 * One Lambda function of the registry with the platform's defaults: Node.js 22 on arm64,
 * an ESM bundle, active tracing, JSON logs into its own log group, its own role holding
 * exactly what `spec.uses` names, the environment variables of those resources, and a place
 * in the VPC only when it talks to Redis or the search domain (both VPC-only).
 *
 * A function that uses search runs as the role the stateful stack made for it (the domain's
 * access policy names that role, and a stateless role would make the stacks depend on each
 * other); its policies are still attached here, next to the function.
 */
export class PlatformFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;
  readonly spec: FunctionSpec;
  /** What invokes the function (routes, event sources, rules): its `live` alias when it is warmed for sales, else the function. */
  readonly invokeTarget: IFunction;
  /** The provisioned-concurrency target, when the spec is warmed for sales. */
  readonly warmTarget?: WarmTarget;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const { spec, resources } = props;
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    this.spec = spec;
    const entry = this.validate(props, projectRoot);
    const uses = spec.uses;

    const search = uses.search !== undefined ? this.searchResource(resources, uses.search) : undefined;
    const role: IRole = search
      ? Role.fromRoleArn(this, 'Role', search.client.roleArn, { mutable: true })
      : new Role(this, 'Role', {
          assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
          description: roleDescription(spec),
        });
    this.role = role;
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.TWO_WEEKS });
    logGroup.grantWrite(role);
    this.logGroup = logGroup;

    const environment: Record<string, string> = {
      STAGE: props.stage,
      SERVICE_NAME: serviceName,
      POWERTOOLS_SERVICE_NAME: serviceName,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(props.stage),
      // Powertools Tracer (X-Ray active tracing below). Responses stay out of traces: they hold customer data.
      POWERTOOLS_TRACE_ENABLED: 'true',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    };

    // Tables: data access as declared; health reporting (describeAll) gets names only.
    for (const [key, access] of Object.entries(uses.tables ?? {}) as [string, TableAccess][]) {
      const { table, definition } = this.tableResource(resources, key);
      environment[definition.envVar] = table.tableName;
      const indexArns = (definition.globalIndexes ?? []).map((i) => `${table.tableArn}/index/${i.indexName}`);
      if (access === 'read' || access === 'readWrite') {
        role.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_READ_ACTIONS], resources: [table.tableArn, ...indexArns] }));
      }
      if (access === 'write' || access === 'readWrite') {
        role.addToPrincipalPolicy(new PolicyStatement({ actions: [...TABLE_WRITE_ACTIONS], resources: [table.tableArn] }));
      }
    }
    for (const key of uses.streams ?? []) {
      const { table, definition } = this.tableResource(resources, key);
      if (!definition.stream || !table.tableStreamArn) throw new Error(`${this.node.path}: ${spec.id} reads the stream of "${key}", which has no stream`);
      table.grantStreamRead(role);
    }

    for (const [key, use] of Object.entries(uses.queues ?? {})) {
      const { queue, definition } = this.queueResource(resources, key);
      environment[definition.envVar] = queue.queueUrl;
      if (use === 'send' || use === 'sendConsume') queue.grantSendMessages(role);
      if (use === 'consume' || use === 'sendConsume') queue.grantConsumeMessages(role);
    }

    if (uses.eventBus) {
      const bus = required(this, resources.eventBus, 'eventBus');
      environment.EVENT_BUS_NAME = bus.eventBusName;
      bus.grantPutEventsTo(role);
    }

    if (uses.edgeFlags) {
      const store = required(this, resources.edgeFlags, 'edgeFlags');
      environment.EDGE_FLAGS_KVS_ARN = store.keyValueStoreArn;
      // PutKey needs the store's ETag, which DescribeKeyValueStore answers; nothing else, on this store only.
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:PutKey'], resources: [store.keyValueStoreArn] }));
    }

    if (uses.redis) {
      const redis = required(this, resources.redis, 'redis');
      Object.assign(environment, {
        REDIS_HOST: redis.host,
        REDIS_PORT: String(redis.port),
        REDIS_TLS: 'true',
        REDIS_CLUSTER: 'true',
        REDIS_AUTH_SECRET_ARN: redis.authSecret.secretArn,
      });
      redis.authSecret.grantRead(role);
    }

    // Data-plane access to the domain is granted by the domain's access policy (resource-based,
    // method and path per access level) and by fine-grained access control, both keyed on this
    // role's ARN; the function itself needs only the address.
    if (search) {
      Object.assign(environment, {
        SEARCH_ENGINE: 'opensearch',
        OPENSEARCH_ENDPOINT: search.resource.url,
        OPENSEARCH_INDEX: search.resource.indexName,
      });
    }

    const inVpc = uses.redis === true || search !== undefined || props.placeInVpc === true;
    if (inVpc) {
      // The managed AWSLambdaVPCAccessExecutionRole grants the same; inline keeps the role free of managed policies.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: WILDCARD_RESOURCE_ACTIONS.filter((a) => a.startsWith('ec2:')),
          resources: ['*'],
        }),
      );
    }

    if (uses.email) {
      const email = resources.email ?? {};
      if (email.fromAddress) {
        environment.SES_FROM_ADDRESS = email.fromAddress;
      } else {
        Annotations.of(this).addInfo(
          `${spec.id} sends email, but this stage has no From address: SES_FROM_ADDRESS is not set, so sending customer ` +
            'email fails with a ConfigError until it is deployed with -c emailFrom=... (or an address as -c emailIdentity=...)',
        );
      }
      if (email.configurationSet) environment.SES_CONFIGURATION_SET = email.configurationSet.configurationSetName;
      const stack = Stack.of(this);
      const identityArn = stack.formatArn({
        service: 'ses',
        resource: 'identity',
        resourceName: email.identity ?? '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      // SES authorizes a send against the identity and, when the email names one (or the
      // identity has a default one), against the configuration set too.
      const configurationSetArns = email.configurationSet
        ? [
            stack.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: email.configurationSet.configurationSetName,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ]
        : [];
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [identityArn, ...configurationSetArns],
          ...(email.fromAddress ? { conditions: { StringEquals: { 'ses:FromAddress': email.fromAddress } } } : {}),
        }),
      );
      if (!email.identity) {
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
          reason:
            'No SES identity is configured for this stage (context emailIdentity): the function may send as any ' +
            'verified identity of its own account and region, and only from SES_FROM_ADDRESS when one is set.',
        });
      }
    }

    if (uses.payments) {
      const secret = required(this, resources.paymentsSecret, 'paymentsSecret');
      environment.STRIPE_SECRET_ARN = secret.secretArn;
      secret.grantRead(role);
    }

    if (uses.carrierWebhooks) {
      const secret = required(this, resources.carrierWebhookSecrets, 'carrierWebhookSecrets');
      environment.CARRIER_SECRETS_ARN = secret.secretArn;
      secret.grantRead(role);
    }

    if (uses.warehouse) {
      const secret = required(this, resources.warehouseSecret, 'warehouseSecret');
      environment.WAREHOUSE_SECRET_ARN = secret.secretArn;
      secret.grantRead(role);
      if (resources.warehouseUrl) {
        environment.WAREHOUSE_URL = resources.warehouseUrl;
      } else {
        Annotations.of(this).addInfo(
          `${spec.id} hands orders to the warehouse, but this stage has no warehouse endpoint: every invocation fails with ` +
            'a ConfigError into its failure queue until it is deployed with -c warehouseUrl=https://...',
        );
      }
    }

    if (uses.streamTokens) {
      const secret = required(this, resources.streamTokenSecret, 'streamTokenSecret');
      environment.STREAM_TOKEN_SECRET_ARN = secret.secretArn;
      secret.grantRead(role);
    }

    if (uses.describeAll) this.grantDescribeAll(role, resources, environment);

    const fn = new NodejsFunction(this, 'Function', {
      entry,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      handler: 'handler',
      description: spec.description.slice(0, 256),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      ...(spec.maxConcurrency !== undefined ? { reservedConcurrentExecutions: spec.maxConcurrency } : {}),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment,
      ...(inVpc
        ? {
            vpc: required(this, resources.vpc, 'vpc'),
            vpcSubnets: required(this, resources.functionSubnets, 'functionSubnets'),
            securityGroups: [required(this, resources.functionSecurityGroup, 'functionSecurityGroup')],
          }
        : {}),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the SDK: the versions we test are the versions we run, and ESM resolves it without NODE_PATH.
        bundleAwsSDK: true,
        logLevel: LogLevel.WARNING,
      },
    });
    this.function = fn;
    this.invokeTarget = fn;

    if (spec.warmForSales !== undefined) {
      // Provisioned concurrency needs a version: the alias follows each deploy's new version, and
      // Application Auto Scaling sets the alias's provisioned concurrency from the sales' scheduled
      // actions (0 outside a sale). The service-linked role is Lambda's own for this dimension.
      const alias = new Alias(this, 'Live', { aliasName: WARM_ALIAS_NAME, version: fn.currentVersion });
      const resourceId = `function:${fn.functionName}:${WARM_ALIAS_NAME}`;
      const scalableTarget = new ScalableTarget(this, 'WarmCapacity', {
        serviceNamespace: ServiceNamespace.LAMBDA,
        scalableDimension: 'lambda:function:ProvisionedConcurrency',
        resourceId,
        minCapacity: 0,
        maxCapacity: WARM_MAX_CAPACITY,
        role: Role.fromRoleArn(
          this,
          'ScalingRole',
          Stack.of(this).formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: 'aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency',
          }),
        ),
      });
      scalableTarget.node.addDependency(alias);
      this.invokeTarget = alias;
      this.warmTarget = { load: spec.warmForSales, resourceId, scalableTarget };
    }

    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the bundle targets node22 and the runtime moves with that target, ' + 'not silently with a library upgrade (nodejs24.x is the newest the CDK knows).',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Only actions without resource-level permissions are granted on "*": ${WILDCARD_RESOURCE_ACTIONS.join(', ')} (X-Ray, Lambda VPC ENIs, stream listing, SES account reads, scheduled actions listing). A template test enforces this list.`,
    });
  }

  /** The function as an IFunction (for integrations, targets and event sources): its alias when warmed for sales. */
  get handler(): IFunction {
    return this.invokeTarget;
  }

  /**
   * Lets this function schedule the provisioned concurrency of `targets` (`uses.saleCapacity`):
   * the targets in FLASH_SALE_WARM_TARGETS, scheduled actions put and deleted on those scalable
   * targets only. Describing scheduled actions has no resource-level permission.
   *
   * A scalable target's ARN holds an id that CloudFormation does not return (its Ref is
   * `namespace|resource id|dimension`), so the scheduled-action calls are granted on the
   * account's and Region's scalable targets; the adapter names only the targets it is given.
   */
  grantSaleCapacity(targets: readonly WarmTarget[]): void {
    this.function.addEnvironment('FLASH_SALE_WARM_TARGETS', Stack.of(this).toJsonString(targets.map((t) => ({ load: t.load, resourceId: t.resourceId }))));
    this.function.addEnvironment('FLASH_SALE_WARM_BUDGET', String(WARM_MAX_CAPACITY));
    if (targets.length === 0) return;
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['application-autoscaling:PutScheduledAction', 'application-autoscaling:DeleteScheduledAction'],
        resources: [stack.formatArn({ service: 'application-autoscaling', resource: 'scalable-target', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['application-autoscaling:DescribeScheduledActions'], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target/*]',
      reason:
        "Scheduled actions are put on the flash sales' provisioned-concurrency targets, whose ARNs hold an id CloudFormation does not return; " +
        'the function names only the targets in FLASH_SALE_WARM_TARGETS, and the scalable targets of the account and Region are all it can reach.',
    });
  }

  private grantDescribeAll(role: IRole, resources: FunctionResources, environment: Record<string, string>): void {
    const tables = Object.values(resources.tables ?? {});
    const queues = Object.values(resources.queues ?? {});
    for (const { table, definition } of tables) environment[definition.envVar] = table.tableName;
    for (const { queue, definition } of queues) environment[definition.envVar] = queue.queueUrl;
    if (tables.length > 0) {
      // The health probe reads one key that no item has; IAM allows that key and nothing else.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem'],
          resources: tables.map((t) => t.table.tableArn),
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [HEALTH_PROBE_KEY] } },
        }),
      );
    }
    if (queues.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['sqs:GetQueueAttributes'],
          resources: queues.flatMap((q) => [q.queue.queueArn, q.deadLetterQueue.queueArn]),
        }),
      );
    }
    if (resources.eventBus) {
      environment.EVENT_BUS_NAME = resources.eventBus.eventBusName;
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:DescribeEventBus'], resources: [resources.eventBus.eventBusArn] }));
    }
    if (resources.redis) {
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['elasticache:DescribeReplicationGroups'], resources: [resources.redis.replicationGroupArn] }));
    }
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ses:GetAccount', 'ses:GetSendQuota'], resources: ['*'] }));
  }

  /** The search domain and the role made for this function, checked against the spec. */
  private searchResource(resources: FunctionResources, access: string): { resource: SearchResource; client: { roleArn: string } } {
    const { spec } = this;
    if (access !== 'read' && access !== 'write') throw new Error(`${this.node.path}: ${spec.id}: uses.search must be 'read' or 'write', got "${access}"`);
    const resource = required(this, resources.search, 'search');
    const client = resource.clients[spec.id];
    if (!client) {
      throw new Error(
        `${this.node.path}: ${spec.id} uses search, but the search domain admits no role for it: ` +
          'give the stateful stack this spec among its searchClients (defineCommerceApp does so for every spec it deploys)',
      );
    }
    if (client.access !== access) {
      throw new Error(`${this.node.path}: ${spec.id} uses search for ${access}, but its role was admitted for ${client.access}: redeploy the stateful stack`);
    }
    return { resource, client };
  }

  private tableResource(resources: FunctionResources, key: string): TableResource {
    const found = resources.tables?.[key];
    if (!found) throw new Error(`${this.node.path}: ${this.spec.id} uses table "${key}", which the stack does not have`);
    return found;
  }

  private queueResource(resources: FunctionResources, key: string): QueueResource {
    const found = resources.queues?.[key];
    if (!found) throw new Error(`${this.node.path}: ${this.spec.id} uses queue "${key}", which the stack does not have`);
    return found;
  }

  /** Checks the spec and returns the absolute entry path. */
  private validate(props: PlatformFunctionProps, projectRoot: string): string {
    const { spec } = props;
    const where = `${this.node.path}: function ${spec.id}`;
    if (!/^[A-Z][A-Za-z0-9]*$/.test(spec.id)) throw new Error(`${where}: id must be PascalCase`);
    if (isAbsolute(spec.entry) || normalize(spec.entry).startsWith('..') || !/\.(ts|mts|js|mjs)$/.test(spec.entry)) {
      throw new Error(`${where}: entry must be a .ts or .js file relative to the project root, got "${spec.entry}"`);
    }
    const entry = join(projectRoot, spec.entry);
    if (!existsSync(entry)) throw new Error(`${where}: handler file ${spec.entry} does not exist (under ${projectRoot})`);
    const memory = spec.memoryMb ?? DEFAULT_MEMORY_MB;
    if (!Number.isInteger(memory) || memory < 128 || memory > 10_240) throw new Error(`${where}: memoryMb must be 128-10240, got ${memory}`);
    const timeout = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) throw new Error(`${where}: timeoutSeconds must be 1-900, got ${timeout}`);
    if (spec.maxConcurrency !== undefined && (!Number.isInteger(spec.maxConcurrency) || spec.maxConcurrency < 1)) {
      throw new Error(`${where}: maxConcurrency must be a positive integer, got ${spec.maxConcurrency}`);
    }
    if (!/^[a-z][a-z0-9-]*$/.test(props.stage)) throw new Error(`${where}: invalid stage "${props.stage}"`);
    return entry;
  }
}

/**
 * The IAM role description of a function: IAM accepts only Latin-1 there (CloudFormation
 * refuses `→`), so arrows and dashes become ASCII and anything else outside Latin-1 is dropped.
 */
export function roleDescription(spec: Pick<FunctionSpec, 'id' | 'description'>): string {
  const text = `${spec.id}: ${spec.description}`
    .replace(/[\u2192\u27F6]/g, '->')
    .replace(/[\u2190\u27F5]/g, '<-')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[^\t\n\r\u0020-\u007E\u00A1-\u00FF]/g, '');
  return text.slice(0, 1000);
}

function required<T>(scope: Construct, value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${scope.node.path}: the function needs "${name}", which the stack did not provide`);
  return value;
}
