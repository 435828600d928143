import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '#functions/registry';
import { DEFAULT_THROTTLE, ROUTES, type Route, routeKey } from '#functions/routes';
import { ACCESS_LOG_FIELDS } from '#lib/api';
import { OPERATOR_GROUP } from '#lib/identity';
import { requiresToken } from '#shared/http/contract';
import { healthContract, healthDependenciesContract } from '#shared/platform/health.schema';
import { buildStacks, logicalIdOf } from './support';

const contract = healthContract;
/** Sample routes: every kind of auth, two routes on one function, own and default throttles. */
const SAMPLE_ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/health', function: FUNCTIONS.health, auth: 'public', contract, throttle: { rateLimit: 50, burstLimit: 100 } },
  { method: 'GET', path: '/v1/shops/{shopId}', function: FUNCTIONS.shops, auth: 'public', contract },
  { method: 'GET', path: '/v1/shops/{shopId}/profile', function: FUNCTIONS.shops, auth: 'customer', contract },
  { method: 'PATCH', path: '/v1/shops/{shopId}/admin/profile', function: FUNCTIONS.updateShop, auth: 'admin', contract, throttle: { rateLimit: 10, burstLimit: 20 } },
  { method: 'POST', path: '/v1/webhooks/stripe', function: FUNCTIONS.openApi, auth: 'signed', contract },
  { method: 'GET', path: '/v1/health/dependencies', function: FUNCTIONS.healthDependencies, auth: 'operator', contract: healthDependenciesContract },
];

let template: Template;
let sample: Template;

beforeAll(() => {
  template = buildStacks().statelessTemplate();
  sample = buildStacks({ stateless: { routes: SAMPLE_ROUTES } }).statelessTemplate();
});

const routeResource = (t: Template, key: string): Record<string, unknown> => {
  const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: key } }));
  expect(routes, key).toHaveLength(1);
  return routes[0]!.Properties as Record<string, unknown>;
};

describe('routes from ROUTES', () => {
  it('creates one route per ROUTES entry plus $default (a streamed route is its function URL instead)', () => {
    const apiRoutes = ROUTES.filter((route) => !route.responseStreaming);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', apiRoutes.length + 1);
    for (const route of apiRoutes) routeResource(template, routeKey(route));
  });

  it('integrates every route with its Lambda through payload format 2.0', () => {
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('sends unmatched requests to the not-found function', () => {
    const notFound = logicalIdOf(template, 'AWS::Lambda::Function', '/Functions/NotFound/');
    const defaultRoute = routeResource(template, '$default');
    expect(defaultRoute.AuthorizationType).toBe('NONE');
    const target = JSON.stringify(defaultRoute.Target);
    const integrationId = Object.keys(template.findResources('AWS::ApiGatewayV2::Integration')).find((id) => target.includes(id));
    expect(template.toJSON().Resources[integrationId!].Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [notFound, 'Arn'] });
  });
});

describe('authorization', () => {
  it('puts the Cognito JWT authorizer on customer, admin and operator routes only', () => {
    const authorizer = logicalIdOf(sample, 'AWS::ApiGatewayV2::Authorizer', '/Api/CognitoJwt/');
    sample.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        // The apps' client and the browser apps' (hosted UI) client.
        Audience: [{ 'Fn::ImportValue': Match.stringLikeRegexp('UserPoolAppClient') }, { 'Fn::ImportValue': Match.stringLikeRegexp('IdentityWebClient') }],
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { 'Fn::ImportValue': Match.stringLikeRegexp('UserPool') }]] },
      },
    });
    for (const route of SAMPLE_ROUTES) {
      const resource = routeResource(sample, routeKey(route));
      if (requiresToken(route.auth)) {
        expect(resource, routeKey(route)).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } });
      } else {
        expect(resource, routeKey(route)).toMatchObject({ AuthorizationType: 'NONE' });
        expect(resource.AuthorizerId).toBeUndefined();
      }
    }
  });

  it("guards the operators' health report with the authorizer, and a Cognito group for them", () => {
    const authorizer = logicalIdOf(template, 'AWS::ApiGatewayV2::Authorizer', '/Api/CognitoJwt/');
    expect(ROUTES.find((r) => routeKey(r) === 'GET /v1/health/dependencies')?.auth).toBe('operator');
    expect(routeResource(template, 'GET /v1/health/dependencies')).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } });
    expect(routeResource(template, 'GET /v1/health')).toMatchObject({ AuthorizationType: 'NONE' });
    const stateful = buildStacks().statefulTemplate();
    stateful.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: OPERATOR_GROUP, UserPoolId: Match.anyValue() });
  });

  it('makes one function for two routes on the same spec', () => {
    // The platform's functions, not those CDK provides to the edge stack (web apps upload, web client update).
    const platformFunctions = Object.values(sample.findResources('AWS::Lambda::Function')).filter((f) => String(f.Metadata?.['aws:cdk:path']).includes('/Functions/'));
    expect(platformFunctions).toHaveLength(Object.keys(FUNCTIONS).length);
    const shops = logicalIdOf(sample, 'AWS::Lambda::Function', '/Functions/Shops/');
    const integrations = Object.values(sample.findResources('AWS::ApiGatewayV2::Integration')).filter((i) => JSON.stringify(i.Properties.IntegrationUri).includes(shops));
    expect(integrations).toHaveLength(1);
  });
});

describe('stage', () => {
  it('throttles each route by its own limits or the default, and the stage by the default', () => {
    const expected = Object.fromEntries(
      SAMPLE_ROUTES.map((r) => {
        const t = r.throttle ?? DEFAULT_THROTTLE;
        return [routeKey(r), { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit }];
      }),
    );
    expect(expected['GET /v1/health']).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    sample.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      RouteSettings: expected,
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit },
    });
  });

  it('waits for the routes its route settings name: its stack deploys after every stack that adds routes', () => {
    const stacks = buildStacks({ stateless: { routes: SAMPLE_ROUTES } });
    const withRoutes = stacks.stateless.filter((stack) => Object.keys(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).length > 0);
    expect(withRoutes.length).toBeGreaterThan(0);
    const stageStacks = stacks.stateless.filter((stack) => Object.keys(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Stage')).length > 0);
    expect(stageStacks).toEqual([stacks.edge]);
    for (const stack of withRoutes) expect(stacks.edge.dependencies, stack.stackName).toContain(stack);
  });

  it('writes JSON access logs to a log group with retention', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', '/Api/AccessLogs/');
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroup, 'Arn'] });
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toEqual(ACCESS_LOG_FIELDS);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('allows CORS for the API methods and headers', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowMethods: Match.arrayEquals(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        AllowHeaders: Match.arrayEquals(['Authorization', 'Content-Type', 'Idempotency-Key']),
        AllowOrigins: ['*'],
        AllowCredentials: false,
      },
    });
  });

  it('outputs the API URL', () => {
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', ['https://', { Ref: Match.anyValue() }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/']] },
    });
  });
});

describe('reserved concurrency', () => {
  it('caps the functions that take interactive writes, and leaves the account at least 100 unreserved of 1,000', () => {
    const reserved = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((f) => f.Properties.ReservedConcurrentExecutions as number | undefined)
      .filter((n): n is number => n !== undefined);
    const sum = reserved.reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(900);
    for (const spec of [FUNCTIONS.checkout, FUNCTIONS.setCartItem, FUNCTIONS.createProduct, FUNCTIONS.adjustStock, FUNCTIONS.cancelOrder]) {
      expect(spec.maxConcurrency, spec.id).toBeGreaterThan(0);
      const fn = logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${spec.id}/`);
      expect(template.toJSON().Resources[fn].Properties.ReservedConcurrentExecutions, spec.id).toBe(spec.maxConcurrency);
    }
  });
});

describe('bad routes', () => {
  const build = (routes: readonly Route[]) => () => buildStacks({ stateless: { routes } });
  const health = SAMPLE_ROUTES[0]!;

  it('refuses duplicate routes, malformed paths and nonsense throttles', () => {
    expect(build([health, { ...health }])).toThrow(/duplicate route GET \/v1\/health/);
    expect(build([{ ...health, path: 'v1/health' }])).toThrow(/must start with \//);
    expect(build([{ ...health, path: '/v1/health/' }])).toThrow(/trailing/);
    expect(build([{ ...health, path: '/v1/{id}/x/{id}' }])).toThrow(/repeats the parameter/);
    expect(build([{ ...health, path: '/v1/{rest+}/x' }])).toThrow(/greedy/);
    expect(build([{ ...health, throttle: { rateLimit: 0, burstLimit: 10 } }])).toThrow(/rateLimit must be positive/);
    expect(build([{ ...health, throttle: { rateLimit: 10, burstLimit: 2.5 } }])).toThrow(/burstLimit must be a positive integer/);
  });

  it('refuses a route whose function may outlive the 30 s integration timeout', () => {
    const slow = { ...FUNCTIONS.openApi, id: 'SlowReport', timeoutSeconds: 60 };
    expect(build([{ ...health, function: slow }])).toThrow(/HTTP API integrations stop at 30 s/);
  });
});
