import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { ROUTES, type Route, routeKey } from '#functions/routes';
import { ADMIN_PATH, API_PATH, CACHED_PATHS, IMAGES_PATH, SOLD_OUT_FUNCTION_FILE, globMatches, globsIntersect, routePattern, uncachedPatterns } from '#lib/edge';
import { healthContract } from '#shared/platform/health.schema';
import { actionsOf, buildStacks, logicalIdOf, statementsOf } from './support';

/** CloudFront's managed policies, by id. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

type Behavior = {
  PathPattern?: string;
  FunctionAssociations?: Array<{ EventType: string; FunctionARN: unknown }>;
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  AllowedMethods: string[];
  CachedMethods?: string[];
  TargetOriginId: string;
};
type Config = { CacheBehaviors: Behavior[]; DefaultCacheBehavior: Behavior; Origins: Array<Record<string, any>>; Logging: Record<string, unknown>; ViewerCertificate?: Record<string, unknown> };

const contract = healthContract;
/**
 * Routes (beyond the real ones) that the cached patterns would catch: a collection and its items
 * that cannot share one behaviour (`reviews*` would also catch the public `reviews-summary`), a
 * public POST, and a customer route that no cached pattern catches.
 */
const SAMPLE_ROUTES: readonly Route[] = [
  ...ROUTES,
  { method: 'POST', path: '/v1/shops/{shopId}/products/{productId}/reviews', function: FUNCTIONS.shops, auth: 'customer', contract },
  { method: 'GET', path: '/v1/shops/{shopId}/products/{productId}/reviews/{reviewId}', function: FUNCTIONS.shops, auth: 'customer', contract },
  { method: 'GET', path: '/v1/shops/{shopId}/products/{productId}/reviews-summary', function: FUNCTIONS.shops, auth: 'public', contract },
  { method: 'POST', path: '/v1/shops/{shopId}/search-feedback', function: FUNCTIONS.shops, auth: 'public', contract },
  { method: 'GET', path: '/v1/shops/{shopId}/wishlist', function: FUNCTIONS.shops, auth: 'customer', contract },
];

/** The flash-sale routes of ROUTES: the public sale (cached) and the customer's entries and tickets (never). */
const FLASH_SALE_ENTRIES = '/v1/shops/*/flash-sales/*/entries*';
const FLASH_SALE = '/v1/shops/*/flash-sales/*';
/** A ticket's server-sent events: the stream function's URL (RESPONSE_STREAM), before everything else. */
const FLASH_SALE_STREAM = '/v1/shops/*/flash-sales/*/entries/*/events';

let template: Template;
let stateful: Template;
let sample: Template;

beforeAll(() => {
  const stacks = buildStacks();
  template = stacks.statelessTemplate();
  stateful = stacks.statefulTemplate();
  sample = buildStacks({ stateless: { routes: SAMPLE_ROUTES } }).statelessTemplate();
});

/** The HTTP API's origin (the other custom origins are the streams' function URLs). */
const apiOrigin = (config: Config) => config.Origins.find((o) => o.CustomOriginConfig && JSON.stringify(o.DomainName).includes('execute-api'))!;
const configOf = (t: Template): Config => Object.values(t.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;
const cachePolicyId = (t: Template) => ({ Ref: logicalIdOf(t, 'AWS::CloudFront::CachePolicy', '/Edge/PublicApiCache/') });

/** What CloudFront does: the first behaviour whose pattern matches the path, else the default. */
function behaviorFor(config: Config, path: string): Behavior {
  return config.CacheBehaviors.find((b) => globMatches(b.PathPattern!, path)) ?? config.DefaultCacheBehavior;
}
/** A concrete path of a route, with awkward parameter values. */
const concrete = (route: Route): string => route.path.replace(/\{[^}]+\}/g, 'admin');

describe('behaviours', () => {
  it('puts the admin prefix first, then uncached token routes a cached pattern could catch, then the cached public GETs, then the rest of the API, then the images', () => {
    const config = configOf(template);
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern);
    const firstCached = patterns.indexOf(CACHED_PATHS[0]!);
    // A ticket's stream first (its own origin: the stream function's URL), then the admin prefix.
    expect(patterns[0]).toBe(FLASH_SALE_STREAM);
    expect(patterns[1]).toBe(ADMIN_PATH);
    expect(patterns.slice(firstCached)).toEqual([...CACHED_PATHS, API_PATH, IMAGES_PATH]);
    // Between them only uncached behaviours: `*` spans `/` in CloudFront, so a SKU or an
    // order id could make a token route's path look like /products/*.
    const between = config.CacheBehaviors.slice(2, firstCached);
    expect(between.map((b) => b.PathPattern)).toEqual(['/v1/shops/*/cart/items/*', '/v1/shops/*/orders/*', FLASH_SALE_ENTRIES]);
    for (const behavior of between) expect(behavior.CachePolicyId, behavior.PathPattern).toBe(CACHING_DISABLED);
    expect(CACHED_PATHS).toEqual(['/v1/shops/*/products/*', '/v1/shops/*/categories/*', '/v1/shops/*/search*', '/v1/shops/*/flash-sales/*']);
  });

  it('sends every other /v1/ path to the API uncached, with every viewer header but Host', () => {
    const config = configOf(template);
    const api = apiOrigin(config);
    expect(api.DomainName).toEqual({
      'Fn::Join': ['', [{ Ref: logicalIdOf(template, 'AWS::ApiGatewayV2::Api', '/Api/HttpApi/') }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
    });
    expect(api.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(behaviorFor(config, '/v1/health')).toMatchObject({
      PathPattern: API_PATH,
      TargetOriginId: api.Id,
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
      ViewerProtocolPolicy: 'https-only',
    });
    expect(behaviorFor(config, '/v1/shops/s/admin/products/p')).toMatchObject({ PathPattern: ADMIN_PATH, CachePolicyId: CACHING_DISABLED, OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER });
  });

  it('caches the public GETs by the origin Cache-Control, keyed on all query strings and Origin, never Authorization', () => {
    const config = configOf(template);
    for (const path of CACHED_PATHS) {
      const behavior = config.CacheBehaviors.find((b) => b.PathPattern === path)!;
      expect(behavior, path).toMatchObject({
        CachePolicyId: cachePolicyId(template),
        OriginRequestPolicyId: { Ref: logicalIdOf(template, 'AWS::CloudFront::OriginRequestPolicy', '/Edge/PublicApiOriginRequest/') },
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        CachedMethods: ['GET', 'HEAD'],
        ViewerProtocolPolicy: 'https-only',
        Compress: true,
      });
    }
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 86_400,
        ParametersInCacheKeyAndForwardedToOrigin: {
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Origin'] },
          CookiesConfig: { CookieBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
        Name: Match.anyValue(),
        Comment: Match.anyValue(),
      },
    });
    const headers = [
      // The API's policies; the web apps' cache policy keys on no header at all (test/cdk/web-apps.test.ts).
      ...Object.values(template.findResources('AWS::CloudFront::CachePolicy'))
        .map((p) => p.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig)
        .filter((config) => config.HeaderBehavior !== 'none'),
      ...Object.values(template.findResources('AWS::CloudFront::OriginRequestPolicy')).map((p) => p.Properties.OriginRequestPolicyConfig.HeadersConfig),
    ];
    for (const config of headers) {
      expect(config.HeaderBehavior).toBe('whitelist');
      expect((config.Headers as string[]).map((h) => h.toLowerCase())).not.toContain('authorization');
    }
    template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Access-Control-Request-Headers', 'Access-Control-Request-Method'] },
        CookiesConfig: { CookieBehavior: 'none' },
      }),
    });
  });

  it('never lets a merchant route, or a route of the current table that needs a token, reach a cached behaviour', () => {
    const config = configOf(template);
    for (const route of ROUTES) {
      const behavior = behaviorFor(config, concrete(route));
      if (route.auth !== 'public' || route.method !== 'GET') expect(behavior.CachePolicyId, routeKey(route)).toBe(CACHING_DISABLED);
    }
    for (const route of ROUTES.filter((r) => r.path.includes('/admin/'))) {
      expect(behaviorFor(config, concrete(route)).PathPattern, routeKey(route)).toBe(ADMIN_PATH);
    }
    // The public catalog reads are the ones cached.
    for (const path of ['/v1/shops/s/products/p', '/v1/shops/s/categories/shoes', '/v1/shops/s/search', '/v1/shops/s/flash-sales/f']) {
      expect(behaviorFor(config, path).CachePolicyId, path).toEqual(cachePolicyId(template));
    }
  });

  it('gives token and non-GET routes that a cached pattern would catch an uncached behaviour before the cached ones', () => {
    const config = configOf(sample);
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern!);
    const firstCached = patterns.indexOf(CACHED_PATHS[0]!);
    expect(patterns.slice(0, firstCached)).toEqual([
      FLASH_SALE_STREAM,
      ADMIN_PATH,
      '/v1/shops/*/cart/items/*',
      '/v1/shops/*/orders/*',
      FLASH_SALE_ENTRIES,
      // Not merged into `reviews*`: that would take the public reviews-summary off the cache.
      '/v1/shops/*/products/*/reviews',
      '/v1/shops/*/products/*/reviews/*',
      '/v1/shops/*/search-feedback',
    ]);
    for (const route of SAMPLE_ROUTES) {
      const behavior = behaviorFor(config, concrete(route));
      if (route.auth !== 'public' || route.method !== 'GET') expect(behavior.CachePolicyId, routeKey(route)).toBe(CACHING_DISABLED);
      // Public GETs are cached for ordinary parameter values (awkward ones such as "admin" may
      // fall into an uncached behaviour, which is the safe side).
      const plain = route.path.replace(/\{[^}]+\}/g, 'x');
      if (route.auth === 'public' && route.method === 'GET' && CACHED_PATHS.some((p) => globMatches(p, plain))) {
        expect(behaviorFor(config, plain).CachePolicyId, routeKey(route)).toEqual(cachePolicyId(sample));
      }
    }
    // A route no cached pattern can catch needs no behaviour of its own.
    expect(patterns).not.toContain('/v1/shops/*/wishlist');
  });

  it('caches the public flash sale by its Cache-Control, after an uncached, Authorization-forwarding behaviour for entries and tickets', () => {
    const flash = ROUTES.filter((r) => r.path.startsWith('/v1/shops/{shopId}/flash-sales/'));
    expect(flash.map(routeKey)).toEqual([
      'GET /v1/shops/{shopId}/flash-sales/{saleId}',
      'POST /v1/shops/{shopId}/flash-sales/{saleId}/entries',
      'GET /v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}',
      'GET /v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}/events',
    ]);
    expect(flash.map((r) => r.auth)).toEqual(['public', 'customer', 'customer', 'signed']);

    const config = configOf(template);
    const patterns = config.CacheBehaviors.map((b) => b.PathPattern!);
    // One behaviour for both entry routes, before the cached sale pattern that would catch them.
    expect(patterns.filter((p) => p.includes('/flash-sales/'))).toEqual([FLASH_SALE_STREAM, FLASH_SALE_ENTRIES, FLASH_SALE]);
    expect(patterns.indexOf(FLASH_SALE_ENTRIES)).toBeLessThan(patterns.indexOf(FLASH_SALE));

    const entries = config.CacheBehaviors.find((b) => b.PathPattern === FLASH_SALE_ENTRIES)!;
    expect(entries).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER, // Authorization reaches the JWT authorizer
      AllowedMethods: expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'POST']),
      TargetOriginId: apiOrigin(config).Id,
    });
    const sale = config.CacheBehaviors.find((b) => b.PathPattern === FLASH_SALE)!;
    expect(sale).toMatchObject({ CachePolicyId: cachePolicyId(template), AllowedMethods: ['GET', 'HEAD', 'OPTIONS'], CachedMethods: ['GET', 'HEAD'] });

    // CloudFront picks the first matching behaviour: the sale (sold out, ended) from the cache,
    // entries and tickets always from the API with the caller's token. Parameter values that
    // look like path words do not change that.
    for (const [path, behavior] of [
      ['/v1/shops/s/flash-sales/f', sale],
      ['/v1/shops/entries/flash-sales/entries', sale],
      ['/v1/shops/s/flash-sales/f/entries', entries],
      ['/v1/shops/s/flash-sales/f/entries/42', entries],
      ['/v1/shops/entries/flash-sales/entries/entries', entries],
      ['/v1/shops/s/flash-sales/f/entries/42/events', config.CacheBehaviors.find((b) => b.PathPattern === FLASH_SALE_STREAM)!],
    ] as const) {
      expect(behaviorFor(config, path), path).toBe(behavior);
    }
    // The sold-out answer (public, max-age=30, s-maxage=60) is kept for its s-maxage: no minimum
    // or default TTL overrides the origin, and the maximum is above a minute.
    const policy = Object.values(template.findResources('AWS::CloudFront::CachePolicy'))[0]!.Properties.CachePolicyConfig;
    expect(policy).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(policy.MaxTTL).toBeGreaterThanOrEqual(300);
  });

  it('refuses more behaviours than CloudFront allows', () => {
    const many: Route[] = Array.from({ length: 21 }, (_, i) => ({
      method: 'POST',
      path: `/v1/shops/{shopId}/products/{productId}/action${i}`,
      function: FUNCTIONS.shops,
      auth: 'customer',
      contract,
    }));
    expect(() => buildStacks({ stateless: { routes: [...ROUTES, ...many] } })).toThrow(/exceed CloudFront's default quota of 25/);
  });
});

describe('CloudFront path patterns', () => {
  it('lets * match any characters, / included, over the whole path', () => {
    expect(globMatches('/v1/shops/*/products/*', '/v1/shops/a/products/b')).toBe(true);
    expect(globMatches('/v1/shops/*/products/*', '/v1/shops/a/admin/products/b')).toBe(true);
    expect(globMatches('/v1/shops/*/search*', '/v1/shops/a/search')).toBe(true);
    expect(globMatches('/v1/shops/*/search*', '/v1/shops/a/searches/b')).toBe(true);
    expect(globMatches('/v1/shops/*/products/*', '/v2/shops/a/products/b')).toBe(false);
    expect(globMatches('/images/*', '/v1/images/x')).toBe(false);
    expect(globMatches('/a?c', '/abc')).toBe(true);
  });

  it('tells whether two patterns can match one path (# is a route parameter: no /)', () => {
    expect(globsIntersect('/v1/shops/*/products/*', '/v1/shops/#/cart/products/#')).toBe(true);
    expect(globsIntersect('/v1/shops/*/products/*', '/v1/shops/#/products/#/reviews/mine')).toBe(true);
    expect(globsIntersect('/v1/shops/*/search*', '/v1/shops/#/search-feedback')).toBe(true);
    expect(globsIntersect('/v1/shops/*/products/*', '/v1/shops/#/cart')).toBe(false);
    // With * on both sides a / can hide anywhere: /v1/shops/a/products/b/cart matches both.
    expect(globsIntersect('/v1/shops/*/products/*', '/v1/shops/*/cart')).toBe(true);
    expect(globsIntersect('/v1/shops/*/products/*', '/v1/shops/#/products')).toBe(false);
    expect(globsIntersect('/v1/health', '/v1/shops/*')).toBe(false);
    expect(globsIntersect('/a?c', '/a#')).toBe(true);
    expect(globsIntersect('/a?', '/a')).toBe(false);
  });

  it('turns routes into patterns and skips those an earlier uncached pattern covers', () => {
    expect(routePattern('/v1/shops/{shopId}/products/{productId}')).toBe('/v1/shops/*/products/*');
    const adminRoute = ROUTES.find((r) => r.path.includes('/admin/products/'))!;
    expect(uncachedPatterns([adminRoute], CACHED_PATHS)).toEqual([ADMIN_PATH]);
  });

  it('gives a collection and its items one pattern, in either order, unless it would uncache a public GET', () => {
    const at = (method: Route['method'], path: string, auth: Route['auth'] = 'customer'): Route => ({ method, path, function: FUNCTIONS.shops, auth, contract });
    const items = at('GET', '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}');
    const collection = at('POST', '/v1/shops/{shopId}/flash-sales/{saleId}/entries');
    expect(uncachedPatterns([collection, items], CACHED_PATHS)).toEqual([ADMIN_PATH, FLASH_SALE_ENTRIES]);
    expect(uncachedPatterns([items, collection], CACHED_PATHS)).toEqual([ADMIN_PATH, FLASH_SALE_ENTRIES]);
    const publicSibling = at('GET', '/v1/shops/{shopId}/flash-sales/{saleId}/entries-count', 'public');
    expect(uncachedPatterns([collection, items, publicSibling], CACHED_PATHS)).toEqual([ADMIN_PATH, '/v1/shops/*/flash-sales/*/entries', '/v1/shops/*/flash-sales/*/entries/*']);
  });
});

describe('product images', () => {
  it('serves /images/* from the images bucket through origin access control, cached', () => {
    const config = configOf(template);
    const s3 = config.Origins.find((o) => o.S3OriginConfig && JSON.stringify(o.DomainName).includes('MediaImages'))!;
    expect(s3.DomainName).toEqual({ 'Fn::ImportValue': expect.stringContaining('MediaImages') });
    expect(s3.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(s3.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(template.toJSON().Resources[s3.OriginAccessControlId['Fn::GetAtt'][0]]).toMatchObject({
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: { OriginAccessControlConfig: expect.objectContaining({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }) },
    });
    expect(behaviorFor(config, '/images/p/1.jpg')).toMatchObject({ TargetOriginId: s3.Id, CachePolicyId: CACHING_OPTIMIZED, AllowedMethods: ['GET', 'HEAD'] });
  });

  it('keeps the bucket private, TLS only, versioned and access-logged, readable by CloudFront under images/ only', () => {
    const bucket = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Media/Images/');
    const logs = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Media/AccessLogs/');
    expect(stateful.toJSON().Resources[bucket]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 's3/images/' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      },
    });
    const policy = Object.values(stateful.findResources('AWS::S3::BucketPolicy')).find((p) => JSON.stringify(p.Properties.Bucket).includes(bucket))!;
    const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const cloudfront = statements.find((s) => s.Sid === 'CloudFrontOriginAccessControl')!;
    expect(cloudfront).toMatchObject({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(cloudfront.Resource)).toContain('/images/*');
    expect(JSON.stringify(cloudfront.Condition.ArnLike['AWS:SourceArn'])).toContain(':distribution/*');
    expect(cloudfront.Condition.StringEquals).toEqual({ 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  it('writes CloudFront standard logs to the access-log bucket, which keeps ACLs for them and blocks public access', () => {
    expect(configOf(template).Logging).toEqual({ Bucket: { 'Fn::ImportValue': expect.stringContaining('MediaAccessLogs') }, Prefix: 'cloudfront/' });
    const logs = logicalIdOf(stateful, 'AWS::S3::Bucket', '/Media/AccessLogs/');
    expect(stateful.toJSON().Resources[logs].Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });
});

describe('distribution settings', () => {
  it('outputs the distribution domain', () => {
    template.hasOutput('DistributionDomainName', {
      Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::CloudFront::Distribution', '/Edge/Distribution/'), 'DomainName'] },
    });
  });

  it('uses a custom domain with TLS 1.2 viewers and a WAF web ACL when given', () => {
    const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';
    const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/commerce/0123';
    const custom = buildStacks({ stateless: { edge: { domainNames: ['shop.example.com'], certificateArn, webAclArn } } });
    const config = configOf(custom.statelessTemplate()) as Config & { Aliases: string[]; WebACLId: string };
    expect(config.Aliases).toEqual(['shop.example.com']);
    expect(config.ViewerCertificate).toMatchObject({ AcmCertificateArn: certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(config.WebACLId).toBe(webAclArn);
  });

  it('refuses a certificate outside us-east-1, domain names without one, and a regional web ACL', () => {
    const build = (edge: Record<string, unknown>) => () => buildStacks({ stateless: { edge } });
    expect(build({ domainNames: ['shop.example.com'] })).toThrow(/need a certificateArn/);
    expect(build({ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' })).toThrow(/us-east-1/);
    expect(build({ webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' })).toThrow(/scope CLOUDFRONT/);
  });
});

describe('sold out at the edge', () => {
  const KVS_ACTIONS = ['cloudfront-keyvaluestore:DescribeKeyValueStore', 'cloudfront-keyvaluestore:PutKey'];

  it('keeps the sale flags in a CloudFront KeyValueStore of the stateful stack', () => {
    stateful.resourceCountIs('AWS::CloudFront::KeyValueStore', 1);
  });

  it('runs the very file the local gateway runs, as a cloudfront-js-2.0 function with the store attached', () => {
    // The other function is the web apps' SPA routing (test/cdk/web-apps.test.ts).
    const soldOut = Object.values(template.findResources('AWS::CloudFront::Function')).filter((f) => f.Properties.FunctionCode === readFileSync(SOLD_OUT_FUNCTION_FILE, 'utf8'));
    expect(soldOut).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudFront::Function', {
      AutoPublish: true,
      FunctionCode: readFileSync(SOLD_OUT_FUNCTION_FILE, 'utf8'),
      FunctionConfig: { Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: [{ KeyValueStoreARN: Match.anyValue() }] },
    });
  });

  it('answers on viewer request of the behaviours that catch a sale’s page and its entries, and of no other', () => {
    const config = configOf(template);
    const functionId = logicalIdOf(template, 'AWS::CloudFront::Function', '/Edge/SoldOutFunction/');
    const withFunction = config.CacheBehaviors.filter((b) => b.FunctionAssociations?.length).map((b) => b.PathPattern);
    expect(withFunction.sort()).toEqual([FLASH_SALE, FLASH_SALE_ENTRIES].sort());
    for (const path of ['/v1/shops/s/flash-sales/x', '/v1/shops/s/flash-sales/x/entries']) {
      expect(behaviorFor(config, path).FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
    }
    // The default behaviour (the web apps) has the SPA routing function only.
    expect(JSON.stringify(config.DefaultCacheBehavior.FunctionAssociations)).not.toContain(functionId);
  });

  it('gives the flag writers the store’s ARN and only DescribeKeyValueStore and PutKey on it; no other function touches it', () => {
    const writers = (Object.values(FUNCTIONS) as FunctionSpec[]).filter((spec) => spec.uses.edgeFlags);
    expect(writers.map((spec) => spec.id).sort()).toEqual(['CloseFlashSales', 'CountFlashSaleOrder', 'EnterFlashSale', 'GetFlashSale']);
    const lambdas = Object.values(
      template.toJSON().Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } }; Metadata?: Record<string, string> }>,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    let writersChecked = 0;
    for (const spec of Object.values(FUNCTIONS) as FunctionSpec[]) {
      const fn = lambdas.find((r) => (r.Metadata?.['aws:cdk:path'] ?? '').includes(`/Functions/${spec.id}/`));
      if (!fn) continue;
      if (spec.uses.edgeFlags) writersChecked += 1;
      const kvsStatements = statementsOf(template, spec.id).filter((statement) => actionsOf(statement).some((action) => action.startsWith('cloudfront-keyvaluestore:')));
      if (spec.uses.edgeFlags) {
        expect(fn.Properties.Environment?.Variables?.EDGE_FLAGS_KVS_ARN, spec.id).toBeDefined();
        expect(kvsStatements, spec.id).toHaveLength(1);
        expect(actionsOf(kvsStatements[0]!).sort()).toEqual(KVS_ACTIONS);
        expect(kvsStatements[0]!.Resource).toEqual(fn.Properties.Environment?.Variables?.EDGE_FLAGS_KVS_ARN);
      } else {
        expect(fn.Properties.Environment?.Variables?.EDGE_FLAGS_KVS_ARN, spec.id).toBeUndefined();
        expect(kvsStatements, spec.id).toEqual([]);
      }
    }
    expect(writersChecked).toBe(writers.length);
  });
});
