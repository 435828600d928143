import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
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

export interface ApiProps {
  /** @see ROUTES */
  readonly routes: readonly Route[];
  /** The function answering requests that match no route (`$default`). @see DEFAULT_ROUTE */
  readonly defaultRoute: { readonly function: FunctionSpec };
  readonly functions: FunctionLookup;
  /** Issuer of the JWTs that `customer`, `admin` and `operator` routes require. */
  readonly userPool: IUserPool;
  /** Audiences accepted by the JWT authorizer. */
  readonly userPoolClients: readonly IUserPoolClient[];
  /** Stage-wide throttle, also for routes without their own. @default DEFAULT_THROTTLE */
  readonly defaultThrottle?: Throttle;
  /** @default ['*'] (bearer tokens, no cookies: credentials are never allowed cross-origin) */
  readonly corsAllowOrigins?: readonly string[];
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The public HTTP API, one route per ROUTES entry: Lambda proxy integrations (payload 2.0),
 * the Cognito JWT authorizer on `customer`, `admin` and `operator` routes, per-route throttling through
 * the stage's route settings, JSON access logs and CORS.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** The URL of the API (the `$default` stage). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const defaultThrottle = props.defaultThrottle ?? DEFAULT_THROTTLE;
    this.validate(props, defaultThrottle);

    const httpApi = new HttpApi(this, 'HttpApi', {
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
    const authorizer = new HttpUserPoolAuthorizer('CognitoJwt', props.userPool, {
      userPoolClients: [...props.userPoolClients],
      identitySource: ['$request.header.Authorization'],
    });

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
      const [httpRoute] = httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.function),
        ...(needsToken ? { authorizer } : {}),
      });
      if (!httpRoute) throw new Error(`${this.node.path}: no route was created for ${routeKey(route)}`);
      if (!needsToken) {
        Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: PUBLIC_REASONS[route.auth as Exclude<RouteAuth, TokenAuth>] });
      }
      routes.push(httpRoute);
    }
    const defaultRoute = new HttpRoute(this, 'DefaultRoute', {
      httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: integrationFor(props.defaultRoute.function),
    });
    Validations.of(defaultRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The $default route only answers a not_found problem document for paths that match no route; it reads no data.',
    });

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
    // Route keys must exist before the stage refers to them. A route's settings replace the
    // defaults, so each route repeats DetailedMetricsEnabled.
    const cfnStage = stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      props.routes.map((route) => {
        const throttle = route.throttle ?? defaultThrottle;
        return [routeKey(route), { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit, DetailedMetricsEnabled: true }];
      }),
    );
    for (const route of routes) stage.node.addDependency(route);

    this.httpApi = httpApi;
    this.stage = stage;
    this.url = stage.url;
  }

  private validate(props: ApiProps, defaultThrottle: Throttle): void {
    const where = this.node.path;
    checkThrottle(where, 'defaultThrottle', defaultThrottle);
    if (props.userPoolClients.length === 0) throw new Error(`${where}: userPoolClients is empty, so no token could be accepted`);
    for (const origin of props.corsAllowOrigins ?? []) {
      if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) throw new Error(`${where}: CORS origin "${origin}" must be * or scheme://host[:port]`);
    }
    const seen = new Set<string>();
    const checkTimeout = (spec: FunctionSpec, what: string): void => {
      const timeout = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (timeout > MAX_ROUTE_TIMEOUT_SECONDS) {
        throw new Error(`${where}: ${what} runs ${spec.id} with a ${timeout} s timeout; HTTP API integrations stop at 30 s, so use at most ${MAX_ROUTE_TIMEOUT_SECONDS}`);
      }
    };
    for (const route of props.routes) {
      const key = routeKey(route);
      if (seen.has(key)) throw new Error(`${where}: duplicate route ${key}`);
      seen.add(key);
      if (!(route.method in HttpMethod)) throw new Error(`${where}: ${key}: unknown method`);
      checkPath(where, route.path);
      if (route.throttle) checkThrottle(where, key, route.throttle);
      checkTimeout(route.function, key);
    }
    checkTimeout(props.defaultRoute.function, 'the $default route');
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
