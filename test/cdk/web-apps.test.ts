import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#functions/routes';
import { API_PATH, globMatches } from '#lib/edge';
import { LOCAL_WEB_CALLBACK, webSignInUrls } from '#lib/identity';
import { ASSETS_CACHE_CONTROL, PAGES_CACHE_CONTROL, SPA_FUNCTION_FILE, WebApps } from '#lib/web-apps';
import { buildStacks, logicalIdOf, type TestStacks, testStack } from './support';

/** CloudFront's managed policies, by id. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

type Json = Record<string, any>;
type Behavior = { PathPattern?: string; TargetOriginId: string } & Json;
type Config = { CacheBehaviors: Behavior[]; DefaultCacheBehavior: Behavior; Origins: Json[] };

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';

let stacks: TestStacks;
let edge: Template;
let stateful: Template;
/** A stage with a custom domain and the localhost callback: the web client gets its URLs in the stateful stack. */
let custom: TestStacks;

beforeAll(() => {
  stacks = buildStacks();
  edge = stacks.templateOf('edge');
  stateful = stacks.statefulTemplate();
  custom = buildStacks({}, { edgeDomainName: 'shop.example.com', edgeCertificateArn: CERTIFICATE, webLocalCallback: 'true' });
});

const configOf = (t: Template): Config => Object.values(t.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;
const resources = (t: Template): Record<string, Json> => t.toJSON().Resources;
/** What CloudFront does: the first behaviour whose pattern matches the path, else the default. */
const behaviorFor = (config: Config, path: string): Behavior => config.CacheBehaviors.find((b) => globMatches(b.PathPattern!, path)) ?? config.DefaultCacheBehavior;
const webOrigin = (config: Config) => config.Origins.find((o) => JSON.stringify(o.DomainName).includes('WebBucket'))!;

/** A CloudFormation string (Fn::Join of literals and tokens) as text, each token by its name in `names` (by JSON). */
function render(value: unknown, names: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const join = (value as Json)['Fn::Join'];
  if (join) return (join[1] as unknown[]).map((part) => render(part, names)).join(join[0] as string);
  const name = names[JSON.stringify(value)];
  if (name === undefined) throw new Error(`no name for ${JSON.stringify(value)}`);
  return name;
}

describe('the web bucket', () => {
  it('is private, encrypted, TLS only and access-logged, in the stateful stack', () => {
    const bucket = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Web/Bucket/');
    const logs = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Media/AccessLogs/');
    expect(resources(stateful)[bucket]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 's3/web/' },
    });
  });

  it("lets only CloudFront (this account's distributions) read it, besides the deny of plain HTTP and the emptying at deletion", () => {
    const bucket = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Web/Bucket/');
    const policy = Object.values(stateful.findResources('AWS::S3::BucketPolicy')).find((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucket }))!;
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    for (const statement of allowed) {
      if (JSON.stringify(statement.Principal).includes('AutoDeleteObjects')) continue;
      expect(statement).toMatchObject({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: { StringEquals: { 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'AWS:SourceArn': expect.anything() } },
      });
      expect(JSON.stringify(statement.Condition.ArnLike['AWS:SourceArn'])).toContain(':distribution/*');
      expect(['s3:GetObject', 's3:ListBucket']).toContain(statement.Action);
    }
    expect(allowed.filter((s) => s.Principal.Service).map((s) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('is read through origin access control (SigV4), never an origin access identity or the website endpoint', () => {
    const origin = webOrigin(configOf(edge));
    expect(origin.DomainName).toEqual({ 'Fn::ImportValue': expect.stringContaining('WebBucket') });
    expect(JSON.stringify(origin.DomainName)).toContain('RegionalDomainName');
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(resources(edge)[origin.OriginAccessControlId['Fn::GetAtt'][0]]).toMatchObject({
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: { OriginAccessControlConfig: expect.objectContaining({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }) },
    });
  });
});

describe('the default behaviour', () => {
  it('serves the web bucket, GET and HEAD only, HTTPS, compressed, with the SPA function and the security headers', () => {
    const config = configOf(edge);
    const spa = logicalIdOf(edge, 'AWS::CloudFront::Function', '/Web/SpaFunction/');
    const headers = logicalIdOf(edge, 'AWS::CloudFront::ResponseHeadersPolicy', '/Web/Headers/');
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: webOrigin(config).Id,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      Compress: true,
      CachePolicyId: { Ref: logicalIdOf(edge, 'AWS::CloudFront::CachePolicy', '/Web/Cache/') },
      ResponseHeadersPolicyId: { Ref: headers },
      FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [spa, 'FunctionARN'] } }],
    });
    for (const path of ['/', '/products/p_1', '/admin/', '/admin/orders', '/assets/index-1a2b.js', '/config.json']) {
      expect(behaviorFor(config, path).TargetOriginId, path).toBe(webOrigin(config).Id);
    }
  });

  it('runs the very file of the unit test as a cloudfront-js-2.0 function, within the 10 KB limit', () => {
    const code = readFileSync(SPA_FUNCTION_FILE, 'utf8');
    expect(Buffer.byteLength(code)).toBeLessThan(10_240);
    expect(resources(edge)[logicalIdOf(edge, 'AWS::CloudFront::Function', '/Web/SpaFunction/')]!.Properties).toMatchObject({
      AutoPublish: true,
      FunctionCode: code,
      FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
    });
  });

  it('sends a Content-Security-Policy without inline script, HSTS for two years with subdomains and preload, nosniff, DENY framing and a referrer policy', () => {
    const policy = resources(edge)[logicalIdOf(edge, 'AWS::CloudFront::ResponseHeadersPolicy', '/Web/Headers/')]!.Properties.ResponseHeadersPolicyConfig;
    const security = policy.SecurityHeadersConfig;
    const domain = { 'Fn::ImportValue': expect.stringContaining('IdentityDomain') };
    const csp = render(security.ContentSecurityPolicy.ContentSecurityPolicy, {
      [JSON.stringify((security.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1] as unknown[]).find((p) => typeof p === 'object' && JSON.stringify(p).includes('IdentityDomain')))]: 'POOL',
      [JSON.stringify({ Ref: 'AWS::Region' })]: 'REGION',
    });
    expect(security.ContentSecurityPolicy.ContentSecurityPolicy['Fn::Join'][1]).toContainEqual(domain);
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );
    expect(directives).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      // The hosted UI's token endpoint: the apps exchange the code (PKCE) there.
      'connect-src': ["'self'", 'https://POOL.auth.REGION.amazoncognito.com'],
      'font-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(security.ContentSecurityPolicy.Override).toBe(true);
    expect(security.StrictTransportSecurity).toEqual({ AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Preload: true, Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true });
  });

  it('caches by the objects’ Cache-Control only (minimum and default TTL 0), keyed on the path alone', () => {
    const policy = resources(edge)[logicalIdOf(edge, 'AWS::CloudFront::CachePolicy', '/Web/Cache/')]!.Properties.CachePolicyConfig;
    expect(policy).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 0,
      MaxTTL: 31_536_000,
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      },
    });
  });
});

describe('the API behind the same distribution', () => {
  it('keeps every route’s path, and any other /v1/ path, on the API or its stream origin, never on the web bucket', () => {
    const config = configOf(edge);
    const web = webOrigin(config).Id;
    const apiOrigins = config.Origins.filter((o) => o.CustomOriginConfig).map((o) => o.Id);
    const paths = [...ROUTES.map((route) => route.path.replace(/\{[^}]+\}/g, 'x1')), '/v1/health', '/v1/openapi.json', '/v1/not-a-route', '/v1/shops/s/unknown/deep/path'];
    for (const path of paths) {
      const behavior = behaviorFor(config, path);
      expect(behavior.PathPattern, path).toBeDefined();
      expect(behavior.TargetOriginId, path).not.toBe(web);
      expect(apiOrigins, path).toContain(behavior.TargetOriginId);
      expect(JSON.stringify(behavior.FunctionAssociations ?? []), path).not.toContain('SpaFunction');
      expect(behavior.ResponseHeadersPolicyId, path).toBeUndefined();
    }
  });

  it('gives the API’s remaining paths the behaviour the default had: uncached, every method, every viewer header but Host', () => {
    const config = configOf(edge);
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern);
    // After every other API behaviour (the first match wins), before the images.
    expect(patterns.slice(-2)).toEqual([API_PATH, '/images/*']);
    expect(behaviorFor(config, '/v1/health')).toMatchObject({
      PathPattern: API_PATH,
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
      ViewerProtocolPolicy: 'https-only',
    });
  });

  it('answers no error page for the whole distribution (the API’s own 403 and 404 stay as they are)', () => {
    expect((configOf(edge) as Json).CustomErrorResponses).toBeUndefined();
  });
});

describe('the deployment of web/dist', () => {
  const deployments = (t: Template) => Object.entries(t.findResources('Custom::CDKBucketDeployment'));

  it('uploads assets/ first, immutable for a year and never pruned, into the web bucket', () => {
    const [, assets] = deployments(edge).find(([id]) => id.startsWith('WebAssets'))!;
    expect(assets.Properties).toMatchObject({
      DestinationBucketName: { 'Fn::ImportValue': expect.stringContaining('WebBucket') },
      DestinationBucketKeyPrefix: 'assets/',
      Prune: false,
      SystemMetadata: { 'cache-control': ASSETS_CACHE_CONTROL },
    });
    expect(ASSETS_CACHE_CONTROL).toBe('public, max-age=31536000, immutable');
  });

  it('then the pages and config.json, checked on every load, pruned outside assets/, with an invalidation of the pages', () => {
    const [assetsId] = deployments(edge).find(([id]) => id.startsWith('WebAssets'))!;
    const [, pages] = deployments(edge).find(([id]) => id.startsWith('WebPages'))!;
    expect(pages.Properties).toMatchObject({
      DestinationBucketName: { 'Fn::ImportValue': expect.stringContaining('WebBucket') },
      Prune: true,
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': PAGES_CACHE_CONTROL },
      DistributionId: { Ref: logicalIdOf(edge, 'AWS::CloudFront::Distribution', '/Edge/Distribution/') },
      DistributionPaths: ['/index.html', '/admin/*', '/config.json'],
    });
    expect(PAGES_CACHE_CONTROL).toBe('no-cache');
    expect(pages.Properties.SourceObjectKeys).toHaveLength(2);
    expect(pages.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${assetsId.replace(/CustomResource.*$/, '')}`))]));
  });

  it('writes /config.json for the hosted UI: domain and client id resolved at deployment, the callback path, the API base', () => {
    const web = stacks.edge.web;
    const stack = Stack.of(web);
    expect(stack.resolve(web.config)).toEqual({
      auth: {
        kind: 'cognito',
        domain: { 'Fn::Join': ['', [{ 'Fn::ImportValue': expect.stringContaining('IdentityDomain') }, '.auth.', { Ref: 'AWS::Region' }, '.amazoncognito.com']] },
        clientId: { 'Fn::ImportValue': expect.stringContaining('IdentityWebClient') },
        redirectPath: '/auth/callback',
      },
      apiBase: '/v1',
      shopId: 'demo',
    });
    // The deployment substitutes the two tokens into the JSON it uploads.
    const [, pages] = deployments(edge).find(([id]) => id.startsWith('WebPages'))!;
    const markers = Object.values(pages.Properties.SourceMarkers[1] as Record<string, unknown>).map((v) => JSON.stringify(v));
    expect(markers).toHaveLength(2);
    expect(markers.some((m) => m.includes('IdentityWebClient'))).toBe(true);
    expect(markers.some((m) => m.includes('IdentityDomain') && m.includes('amazoncognito.com'))).toBe(true);
    expect(pages.Properties.SourceMarkersConfig[1]).toEqual({ jsonEscape: true });
    // The uploaded file itself, as staged: the markers in place of the tokens.
    const key = String(pages.Properties.SourceObjectKeys[1]).replace(/\.zip$/, '');
    const staged = JSON.parse(readFileSync(join(stacks.app.synth().directory, `asset.${key}`, 'config.json'), 'utf8')) as Json;
    const marker = (token: string) => Object.entries(pages.Properties.SourceMarkers[1] as Record<string, unknown>).find(([, v]) => JSON.stringify(v).includes(token))![0];
    expect(staged).toEqual({ auth: { kind: 'cognito', domain: marker('IdentityDomain'), clientId: marker('IdentityWebClient'), redirectPath: '/auth/callback' }, apiBase: '/v1', shopId: 'demo' });
  });

  it('refuses to synthesize without a built index.html, naming the command to run', () => {
    const stack = testStack();
    const build = () =>
      new WebApps(stack, 'Web', {
        bucket: Bucket.fromBucketName(stack, 'Bucket', 'web'),
        bucketArnExport: 'x-WebBucketArn',
        dist: '/nonexistent/web/dist',
        signIn: { domainName: 'x.auth.eu-west-1.amazoncognito.com', client: UserPoolClient.fromUserPoolClientId(stack, 'Client', 'abc') },
      });
    expect(build).toThrow(/run npm run web:build/);
  });
});

describe('sign-in through the hosted UI', () => {
  const webClient = (t: Template) => resources(t)[logicalIdOf(t, 'AWS::Cognito::UserPoolClient', '/Identity/WebClient')]!.Properties;

  it('has a Cognito prefix domain named after the stage, unique per account', () => {
    stateful.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['-', ['commerce-dev', { Ref: 'AWS::AccountId' }]] },
      UserPoolId: { Ref: logicalIdOf(stateful, 'AWS::Cognito::UserPool', '/Identity/UserPool/') },
    });
  });

  it('makes the browser apps a public client (no secret, no password flows) that cannot write custom:shops', () => {
    expect(webClient(stateful)).toMatchObject({ GenerateSecret: false, ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'], SupportedIdentityProviders: ['COGNITO'] });
    expect(webClient(stateful).WriteAttributes).not.toContain('custom:shops');
  });

  it('without a custom domain, turns the code grant on once the distribution exists, with its callback and logout URLs', () => {
    // The stateful stack cannot name the distribution (deployed after it): the client starts with no hosted-UI flow.
    expect(webClient(stateful)).toMatchObject({ AllowedOAuthFlowsUserPoolClient: false });
    expect(webClient(stateful).CallbackURLs).toBeUndefined();
    const update = Object.values(edge.findResources('Custom::AWS'));
    expect(update).toHaveLength(1);
    const distribution = logicalIdOf(edge, 'AWS::CloudFront::Distribution', '/Edge/Distribution/');
    const names = {
      [JSON.stringify({ 'Fn::GetAtt': [distribution, 'DomainName'] })]: 'd1.cloudfront.net',
      [JSON.stringify({ 'Fn::ImportValue': (JSON.stringify(update[0]!.Properties.Create).match(/"([^"]*IdentityUserPool[^"]*)"/) ?? [])[1] })]: 'POOL',
      [JSON.stringify({ 'Fn::ImportValue': (JSON.stringify(update[0]!.Properties.Create).match(/"([^"]*IdentityWebClient[^"]*)"/) ?? [])[1] })]: 'CLIENT',
    };
    const create = JSON.parse(render(update[0]!.Properties.Create, names)) as Json;
    expect(render(update[0]!.Properties.Update, names)).toBe(render(update[0]!.Properties.Create, names));
    expect(create).toMatchObject({ service: '@aws-sdk/client-cognito-identity-provider', action: 'UpdateUserPoolClient' });
    const { UserPoolId, ClientId, ...settings } = create.parameters as Json;
    expect({ UserPoolId, ClientId }).toEqual({ UserPoolId: 'POOL', ClientId: 'CLIENT' });
    expect(settings).toMatchObject({
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://d1.cloudfront.net/auth/callback', 'https://d1.cloudfront.net/admin/auth/callback'],
      LogoutURLs: ['https://d1.cloudfront.net/', 'https://d1.cloudfront.net/admin/'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    // Everything else as the stateful stack wrote it: an update resets what it leaves out.
    const { AllowedOAuthFlowsUserPoolClient: _a, AllowedOAuthFlows: _b, AllowedOAuthScopes: _c, CallbackURLs: _d, LogoutURLs: _e, ...rest } = settings;
    const { UserPoolId: _f, GenerateSecret: _g, AllowedOAuthFlowsUserPoolClient: _h, ...created } = webClient(stateful);
    expect(rest).toEqual(created);
    // Its function may update this user pool's clients, nothing else.
    const policy = Object.values(edge.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('cognito-idp'))!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      { Action: 'cognito-idp:UpdateUserPoolClient', Effect: 'Allow', Resource: { 'Fn::ImportValue': expect.stringContaining('IdentityUserPool') } },
    ]);
  });

  it('with a custom domain, gives the client its URLs in the stateful stack (no update afterwards), localhost only when asked', () => {
    const customStateful = custom.statefulTemplate();
    expect(webClient(customStateful)).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://shop.example.com/auth/callback', 'https://shop.example.com/admin/auth/callback', LOCAL_WEB_CALLBACK],
      LogoutURLs: ['https://shop.example.com/', 'https://shop.example.com/admin/'],
    });
    expect(LOCAL_WEB_CALLBACK).toBe('http://localhost:3000/auth/callback');
    expect(Object.keys(custom.templateOf('edge').findResources('Custom::AWS'))).toEqual([]);
    // By default, no localhost callback.
    expect(JSON.stringify(resources(edge))).not.toContain('localhost');
    expect(JSON.stringify(webClient(stateful))).not.toContain('localhost');
  });

  it('refuses an origin that is not https://<host>', () => {
    expect(() => webSignInUrls(['http://shop.example.com'])).toThrow(/https/);
    expect(() => webSignInUrls(['https://shop.example.com/store'])).toThrow(/without a path/);
    expect(webSignInUrls(['https://a.example'], false)).toEqual({
      callbackUrls: ['https://a.example/auth/callback', 'https://a.example/admin/auth/callback'],
      logoutUrls: ['https://a.example/', 'https://a.example/admin/'],
    });
  });

  it('outputs the storefront URL, the web client and the hosted UI domain', () => {
    edge.hasOutput('WebUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(edge, 'AWS::CloudFront::Distribution', '/Edge/Distribution/'), 'DomainName'] }, '/']] } });
    stateful.hasOutput('WebClientId', {});
    stateful.hasOutput('SignInDomain', {});
  });
});
