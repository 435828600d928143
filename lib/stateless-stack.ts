import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EVENT_RULES, EVENT_SOURCE_MAPPINGS, type EventRule, type EventSourceMapping, SCHEDULES, type Schedule } from '#functions/events';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { DEFAULT_ROUTE, ROUTES, type Route, type Throttle } from '#functions/routes';
import { Api } from './api';
import { AsyncWiring } from './async';
import type { EmailSettings } from './constructs/platform-function';
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
}

/**
 * Functions, the HTTP API and the asynchronous wiring, all generated from the definition
 * files. Holds no state: it can be destroyed and redeployed freely.
 */
export class StatelessStack extends Stack {
  readonly functions: Functions;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? ROUTES;
    const defaultRoute = props.defaultRoute ?? DEFAULT_ROUTE;
    const eventRules = props.eventRules ?? EVENT_RULES;
    const schedules = props.schedules ?? SCHEDULES;
    const eventSourceMappings = props.eventSourceMappings ?? EVENT_SOURCE_MAPPINGS;
    const { resources, settings } = props;

    // Every registered function, plus any spec the wiring names (deduplicated by id).
    const specs: FunctionSpec[] = [
      ...(props.functions ?? Object.values(FUNCTIONS)),
      ...routes.map((r) => r.function),
      defaultRoute.function,
      ...eventRules.flatMap((r) => r.targets),
      ...schedules.map((s) => s.target),
      ...eventSourceMappings.map((m) => m.target),
    ];
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

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    // User pool, client and bus ids are outputs of the stateful stack, which owns them
    // (re-exporting an imported value is flagged by cfn-lint W6001).
  }
}
