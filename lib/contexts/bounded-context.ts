import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { FunctionUrlAuthType, type IFunctionUrl, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EventRule, EventSourceMapping, Schedule } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import type { Route } from '#functions/routes';
import { type ApiReference, ApiRoutes } from '../api';
import { AsyncWiring, type DeadLetterQueue } from '../async';
import type { FunctionResources } from '../constructs/platform-function';
import type { TableResource } from '../data';
import { Functions } from '../functions';
import type { QueueResource } from '../messaging';
import { type ContextName, contextOf } from './context-of';

/** A route whose function streams its answer, and that function's URL (RESPONSE_STREAM). */
export interface StreamedRoute {
  readonly route: Route;
  readonly url: IFunctionUrl;
}

/** What a context's functions and wiring are given: the stateful resources. */
export interface ContextResources extends FunctionResources {
  readonly tables: Readonly<Record<string, TableResource>>;
  readonly queues: Readonly<Record<string, QueueResource>>;
  readonly eventBus: IEventBus;
}

/**
 * The definitions of the whole platform (the merged FUNCTIONS, ROUTES and event lists); each
 * context keeps those whose function's handler is in one of its folders (see contextOf).
 */
export interface ContextProps {
  readonly stage: string;
  readonly resources: ContextResources;
  /** The HTTP API that the context's routes are added to. */
  readonly api: ApiReference;
  /** Every function spec of the stage, deduplicated by id or not. */
  readonly specs: readonly FunctionSpec[];
  readonly routes: readonly Route[];
  readonly defaultRoute: { readonly function: FunctionSpec };
  readonly eventRules: readonly EventRule[];
  readonly schedules: readonly Schedule[];
  readonly eventSourceMappings: readonly EventSourceMapping[];
  /** @default RetentionDays.TWO_WEEKS */
  readonly logRetention?: RetentionDays;
  /** Root of the handler entries. @default the repository root */
  readonly projectRoot?: string;
}

/**
 * One bounded context: its functions (one PlatformFunction each, holding exactly what its spec
 * uses), its routes on the HTTP API with their integrations and invoke permissions, and its
 * rules, schedules and event source mappings with their dead-letter and failure queues. What
 * belongs to it is decided by the folder of each function's handler (lib/contexts/context-of.ts);
 * a rule belongs to the context of its targets.
 */
export class BoundedContext extends Construct {
  readonly context: ContextName;
  /** The context's functions (spec ids unique). */
  readonly specs: readonly FunctionSpec[];
  readonly functions: Functions;
  readonly routes: readonly Route[];
  readonly api?: ApiRoutes;
  /**
   * The context's streamed routes (`responseStreaming`): each function's URL in RESPONSE_STREAM
   * mode, IAM-authorized, for the CloudFront behaviour that signs requests to it (see Edge).
   */
  readonly streams: readonly StreamedRoute[];
  readonly wiring: AsyncWiring;
  readonly eventSourceMappings: readonly EventSourceMapping[];

  constructor(scope: Construct, id: string, context: ContextName, props: ContextProps) {
    super(scope, id);
    this.context = context;
    const mine = (spec: FunctionSpec): boolean => contextOf(spec) === context;
    const specs = new Map<string, FunctionSpec>();
    for (const spec of props.specs) if (mine(spec) && !specs.has(spec.id)) specs.set(spec.id, spec);
    this.specs = [...specs.values()];

    const routes = props.routes.filter((r) => mine(r.function));
    const defaultRoute = mine(props.defaultRoute.function) ? props.defaultRoute : undefined;
    const eventRules = props.eventRules.filter((rule) => {
      const contexts = new Set(rule.targets.map(contextOf));
      if (contexts.size > 1) {
        throw new Error(`${this.node.path}: rule ${rule.id} targets functions of several contexts (${[...contexts].join(', ')}): give each context its own rule`);
      }
      return contexts.has(context);
    });
    const schedules = props.schedules.filter((s) => mine(s.target));
    const eventSourceMappings = props.eventSourceMappings.filter((m) => mine(m.target));
    this.routes = routes;
    this.eventSourceMappings = eventSourceMappings;

    this.functions = new Functions(this, 'Functions', {
      specs: [...props.specs.filter(mine)],
      stage: props.stage,
      resources: props.resources,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
    });
    // HTTP APIs do not stream: a streamed route is its function's URL instead of an API route.
    const apiRoutes = routes.filter((r) => !r.responseStreaming);
    const urls = new Map<string, IFunctionUrl>();
    this.streams = routes
      .filter((r) => r.responseStreaming)
      .map((route) => {
        let url = urls.get(route.function.id);
        if (!url) {
          url = this.functions.platformFunction(route.function).function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM, invokeMode: InvokeMode.RESPONSE_STREAM });
          urls.set(route.function.id, url);
        }
        return { route, url };
      });
    if (apiRoutes.length > 0 || defaultRoute) {
      this.api = new ApiRoutes(this, 'Routes', {
        api: props.api,
        routes: apiRoutes,
        ...(defaultRoute ? { defaultRoute } : {}),
        functions: this.functions,
      });
    }
    this.wiring = new AsyncWiring(this, 'Async', {
      eventBus: props.resources.eventBus,
      eventRules,
      schedules,
      eventSourceMappings,
      functions: this.functions,
      tables: props.resources.tables,
      queues: props.resources.queues,
    });
  }

  /** The dead-letter and failure queues of the context's rules, schedules and streams. */
  get deadLetterQueues(): readonly DeadLetterQueue[] {
    return this.wiring.deadLetterQueues;
  }
}
