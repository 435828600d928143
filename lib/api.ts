import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpAuthorizer,
  HttpAuthorizerType,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IHttpApi,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '#functions/registry';
import { DEFAULT_THROTTLE, type Route, type RouteAuth, type Throttle, routeKey } from '#functions/routes';
import { requiresToken, type TokenAuth } from '#shared/http/contract';
import { DEFAULT_TIMEOUT_SECONDS } from './constructs/platform-function';
import type { FunctionLookup } from './functions';

/** HTTP API integrations time out at 30 s; a handler must answer before that. */
const MAX_ROUTE_TIMEOUT_SECONDS = 29;

/** Headers a browser app may send cross-origin. */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'];

/** One JSON object per request in the access log. */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  sub: '$context.authorizer.claims.sub',
} as const;

const PUBLIC_REASONS: Record<Exclude<RouteAuth, TokenAuth>, string> = {
  public: 'Public by design (route auth "public" in functions/routes.ts): anonymous read-only endpoint, throttled per route.',
  signed: 'Webhook (route auth "signed"): the caller cannot hold a Cognito token; the handler verifies the request signature.',
};

/** What a context needs to add its routes to the HTTP API of its stage (ids, not constructs). */
export interface ApiReference {
  readonly httpApiId: string;
  /** The Cognito JWT authorizer of `customer`, `admin` and `operator` routes. */
  readonly authorizerId: string;
}

export interface ApiProps {
  /** Issuer of the JWTs that `customer`, `admin` and `operator` routes require. */
  readonly userPool: IUserPool;
  /** Audiences accepted by the JWT authorizer. */
  readonly userPoolClients: readonly IUserPoolClient[];
  /** @default ['*'] (bearer tokens, no cookies: credentials are never allowed cross-origin) */
  readonly corsAllowOrigins?: readonly string[];
}

/**
 * The public HTTP API itself: CORS and the Cognito JWT authorizer. Its routes are added by the
 * contexts (ApiRoutes, in their own stacks, by the API's and authorizer's ids) and its stage,
 * with per-route throttling and access logs, by ApiStage once every route exists.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly authorizer: HttpAuthorizer;
  /** The ids that contexts add their routes with. */
  readonly reference: ApiReference;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const where = this.node.path;
    if (props.userPoolClients.length === 0) throw new Error(`${where}: userPoolClients is empty, so no token could be accepted`);
    for (const origin of props.corsAllowOrigins ?? []) {
      if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) throw new Error(`${where}: CORS origin "${origin}" must be * or scheme://host[:port]`);
    }

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Commerce platform public API',
      createDefaultStage: false,
      corsPreflight: {
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.PATCH, CorsHttpMethod.DELETE],
        allowHeaders: CORS_ALLOW_HEADERS,
        allowOrigins: [...(props.corsAllowOrigins ?? ['*'])],
        allowCredentials: false,
        maxAge: Duration.hours(1),
      },
    });
    // What HttpUserPoolAuthorizer makes on first use, made here so that routes of other stacks share it by id.
    this.authorizer = new HttpAuthorizer(this, 'CognitoJwt', {
      httpApi: this.httpApi,
      authorizerName: 'CognitoJwt',
      type: HttpAuthorizerType.JWT,
      identitySource: ['$request.header.Authorization'],
      jwtAudience: props.userPoolClients.map((c) => c.userPoolClientId),
      jwtIssuer: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${props.userPool.userPoolId}`,
    });
    this.reference = { httpApiId: this.httpApi.apiId, authorizerId: this.authorizer.authorizerId };
  }
}

export interface ApiRoutesProps {
  readonly api: ApiReference;
  /** This context's routes (@see ROUTES). */
  readonly routes: readonly Route[];
  /** The function answering requests that match no route (`$default`), when this context owns it. @see DEFAULT_ROUTE */
  readonly defaultRoute?: { readonly function: FunctionSpec };
  readonly functions: FunctionLookup;
}

/**
 * Routes of one context on the HTTP API: Lambda proxy integrations (payload 2.0), each with the
 * function's invoke permission in the function's own stack, and the JWT authorizer on
 * `customer`, `admin` and `operator` routes.
 */
export class ApiRoutes extends Construct {
  readonly routes: readonly HttpRoute[];

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id);
    this.validate(props);
    const httpApi = HttpApi.fromHttpApiAttributes(this, 'HttpApi', { httpApiId: props.api.httpApiId });
    let authorizer: IHttpRouteAuthorizer | undefined;
    const authorizerFor = (): IHttpRouteAuthorizer =>
      (authorizer ??= HttpAuthorizer.fromHttpAuthorizerAttributes(this, 'CognitoJwt', {
        authorizerId: props.api.authorizerId,
        authorizerType: HttpAuthorizerType.JWT,
      }));

    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (spec: FunctionSpec): HttpLambdaIntegration => {
      let integration = integrations.get(spec.id);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${spec.id}Integration`, props.functions.functionFor(spec), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(spec.id, integration);
      }
      return integration;
    };

    const routes: HttpRoute[] = [];
    for (const route of props.routes) {
      const needsToken = requiresToken(route.auth);
      const httpRoute = new HttpRoute(this, `${route.method}${route.path}`, {
        httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrationFor(route.function),
        ...(needsToken ? { authorizer: authorizerFor() } : {}),
      });
      if (!needsToken) {
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: PUBLIC_REASONS[route.auth as Exclude<RouteAuth, TokenAuth>] });
      }
      routes.push(httpRoute);
    }
    if (props.defaultRoute) {
      const defaultRoute = new HttpRoute(this, 'DefaultRoute', {
        httpApi,
        routeKey: HttpRouteKey.DEFAULT,
        integration: integrationFor(props.defaultRoute.function),
      });
      Validations.of(defaultRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The $default route only answers a not_found problem document for paths that match no route; it reads no data.',
      });
      routes.push(defaultRoute);
    }
    this.routes = routes;
  }

  private validate(props: ApiRoutesProps): void {
    const where = this.node.path;
    const checkTimeout = (spec: FunctionSpec, what: string): void => {
      const timeout = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (timeout > MAX_ROUTE_TIMEOUT_SECONDS) {
        throw new Error(`${where}: ${what} runs ${spec.id} with a ${timeout} s timeout; HTTP API integrations stop at 30 s, so use at most ${MAX_ROUTE_TIMEOUT_SECONDS}`);
      }
    };
    const seen = new Set<string>();
    for (const route of props.routes) {
      const key = routeKey(route);
      if (seen.has(key)) throw new Error(`${where}: duplicate route ${key}`);
      seen.add(key);
      if (route.responseStreaming) throw new Error(`${where}: ${key} streams its answer, which an HTTP API cannot: it is served by its function URL (see BoundedContext)`);
      if (!(route.method in HttpMethod)) throw new Error(`${where}: ${key}: unknown method`);
      checkPath(where, route.path);
      checkTimeout(route.function, key);
    }
    if (props.defaultRoute) checkTimeout(props.defaultRoute.function, 'the $default route');
  }
}

export interface ApiStageProps {
  readonly httpApiId: string;
  /** Every route of the API (all contexts): the stage's per-route throttles. @see ROUTES */
  readonly routes: readonly Route[];
  /** Stage-wide throttle, also for routes without their own. @default DEFAULT_THROTTLE */
  readonly defaultThrottle?: Throttle;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The `$default` stage of the HTTP API, auto-deployed: the stage-wide and per-route throttles
 * (route settings), detailed per-route metrics and JSON access logs. Its stack deploys after
 * the contexts' stacks, because a route's settings need the route to exist.
 */
export class ApiStage extends Construct {
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The URL of the API (the `$default` stage). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiStageProps) {
    super(scope, id);
    const defaultThrottle = props.defaultThrottle ?? DEFAULT_THROTTLE;
    this.validate(props, defaultThrottle);
    const httpApi: IHttpApi = HttpApi.fromHttpApiAttributes(this, 'HttpApi', { httpApiId: props.httpApiId });

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: defaultThrottle.rateLimit, burstLimit: defaultThrottle.burstLimit },
      // Per-route latency, 4xx and 5xx (the dashboard and route alarms of lib/monitoring.ts).
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    // HttpStage has no per-route throttling; the L1 does. RouteSettings is a JSON map in
    // CloudFormation, so its keys are written as CloudFormation spells them (no casing conversion).
    // Route keys must exist before the stage refers to them (the contexts' stacks deploy first).
    // A route's settings replace the defaults, so each route repeats DetailedMetricsEnabled.
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      // A streamed route is no API route (its function URL is behind CloudFront): nothing to throttle here.
      props.routes
        .filter((route) => !route.responseStreaming)
        .map((route) => {
          const throttle = route.throttle ?? defaultThrottle;
          return [routeKey(route), { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit, DetailedMetricsEnabled: true }];
        }),
    );
    this.stage = stage;
    this.url = stage.url;
  }

  private validate(props: ApiStageProps, defaultThrottle: Throttle): void {
    const where = this.node.path;
    checkThrottle(where, 'defaultThrottle', defaultThrottle);
    const seen = new Set<string>();
    for (const route of props.routes) {
      const key = routeKey(route);
      if (seen.has(key)) throw new Error(`${where}: duplicate route ${key}`);
      seen.add(key);
      if (route.throttle) checkThrottle(where, key, route.throttle);
    }
  }
}

function checkPath(where: string, path: string): void {
  const problem = `${where}: route path "${path}"`;
  if (!path.startsWith('/') || (path.length > 1 && path.endsWith('/')) || path.includes('//')) {
    throw new Error(`${problem} must start with / and have no empty or trailing segment`);
  }
  const params = new Set<string>();
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => {
    if (/^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$/.test(segment)) {
      const name = segment.replace(/[{}+]/g, '');
      if (params.has(name)) throw new Error(`${problem} repeats the parameter {${name}}`);
      params.add(name);
      if (segment.endsWith('+}') && i !== segments.length - 1) throw new Error(`${problem}: a greedy {${name}+} must be the last segment`);
    } else if (!/^[A-Za-z0-9._~-]+$/.test(segment)) {
      throw new Error(`${problem}: segment "${segment}" is neither a literal nor a {parameter}`);
    }
  });
}

function checkThrottle(where: string, what: string, throttle: Throttle): void {
  const { rateLimit, burstLimit } = throttle;
  if (!Number.isFinite(rateLimit) || rateLimit <= 0) throw new Error(`${where}: ${what}: rateLimit must be positive, got ${rateLimit}`);
  if (!Number.isInteger(burstLimit) || burstLimit <= 0) throw new Error(`${where}: ${what}: burstLimit must be a positive integer, got ${burstLimit}`);
}
