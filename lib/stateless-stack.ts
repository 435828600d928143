import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, type EventRule, type EventSourceMapping, SCHEDULES, type Schedule } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES, type Route, type Throttle } from '#functions/routes';
import { Api } from './api';
import { AsyncWiring } from './async';
import type { EmailSettings } from './constructs/platform-function';
import { Edge } from './edge';
import { Functions } from './functions';
import type { StageSettings } from './stage';
import type { PlatformResources } from './stateful-stack';

export interface StatelessStackProps extends StackProps {
  readonly settings: StageSettings;
  /** The stateful stack's resources. */
  readonly resources: PlatformResources;
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
  /** Sending identity for functions that email. @default none (see EmailSettings) */
  readonly email?: EmailSettings;
  /** @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /** Root of the handler entries. @default the repository root */
  readonly projectRoot?: string;
  /** Custom domain, certificate and WAF of the distribution. @default none (see Edge) */
  readonly edge?: EdgeSettings;
}

/** Optional parts of the distribution, from context (`edgeDomainName`, `edgeCertificateArn`, `edgeWebAclArn`). */
export interface EdgeSettings {
  readonly domainNames?: readonly string[];
  /** ACM certificate in us-east-1. */
  readonly certificateArn?: string;
  /** WAFv2 web ACL of scope CLOUDFRONT (us-east-1). */
  readonly webAclArn?: string;
}

/**
 * Every function spec the stateless stack deploys: the registry plus any spec the wiring
 * names, deduplicated by id later. The stateful stack needs the same list for the roles of
 * search clients.
 */
export function deployedSpecs(props: Partial<Omit<StatelessStackProps, 'settings' | 'resources'>>): FunctionSpec[] {
  return [
    ...(props.functions ?? Object.values(FUNCTIONS)),
    ...(props.routes ?? ROUTES).map((r) => r.function),
    (props.defaultRoute ?? DEFAULT_ROUTE).function,
    ...(props.eventRules ?? EVENT_RULES).flatMap((r) => r.targets),
    ...(props.schedules ?? SCHEDULES).map((s) => s.target),
    ...(props.eventSourceMappings ?? EVENT_SOURCE_MAPPINGS).map((m) => m.target),
  ];
}

/**
 * Functions, the HTTP API, the CloudFront distribution in front of it and the asynchronous
 * wiring, all generated from the definition files. Holds no state: it can be destroyed and
 * redeployed freely.
 */
export class StatelessStack extends Stack {
  readonly functions: Functions;
  readonly api: Api;
  readonly edge: Edge;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? ROUTES;
    const defaultRoute = props.defaultRoute ?? DEFAULT_ROUTE;
    const eventRules = props.eventRules ?? EVENT_RULES;
    const schedules = props.schedules ?? SCHEDULES;
    const eventSourceMappings = props.eventSourceMappings ?? EVENT_SOURCE_MAPPINGS;
    const { resources, settings } = props;

    // Every registered function, plus any spec the wiring names (deduplicated by id).
    const specs = deployedSpecs(props);
    this.functions = new Functions(this, 'Functions', {
      specs,
      stage: settings.stage,
      resources: { ...resources, ...(props.email ? { email: props.email } : {}) },
      logRetention: settings.logRetention,
      ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
    });

    this.api = new Api(this, 'Api', {
      routes,
      defaultRoute,
      functions: this.functions,
      userPool: resources.userPool,
      userPoolClients: [resources.userPoolClient],
      ...(props.defaultThrottle ? { defaultThrottle: props.defaultThrottle } : {}),
      ...(props.corsAllowOrigins ? { corsAllowOrigins: props.corsAllowOrigins } : {}),
      accessLogRetention: settings.logRetention,
    });

    new AsyncWiring(this, 'Async', {
      eventBus: resources.eventBus,
      eventRules,
      schedules,
      eventSourceMappings,
      functions: this.functions,
      tables: resources.tables,
      queues: resources.queues,
    });

    this.edge = new Edge(this, 'Edge', {
      httpApiId: this.api.httpApi.apiId,
      routes,
      imagesBucket: resources.imagesBucket,
      logsBucket: resources.logsBucket,
      priceClass: settings.edgePriceClass,
      ...(props.edge?.domainNames ? { domainNames: props.edge.domainNames } : {}),
      ...(props.edge?.certificateArn ? { certificateArn: props.edge.certificateArn } : {}),
      ...(props.edge?.webAclArn ? { webAclArn: props.edge.webAclArn } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.edge.distribution.distributionDomainName,
      description: 'CloudFront domain of the API and images (https://<it>/v1/...)',
    });
    // User pool, client and bus ids are outputs of the stateful stack, which owns them
    // (re-exporting an imported value is flagged by cfn-lint W6001).
  }
}
