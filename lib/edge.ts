import { fileURLToPath } from 'node:url';
import { Annotations, Aws, Duration, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  CachedMethods,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  type IKeyValueStore,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Route } from '#functions/routes';
import { IMAGES_PREFIX } from './media';

/**
 * Public GETs that CloudFront may cache, as CloudFront path patterns. A `*` there matches any
 * characters, `/` included, so `/v1/shops/*\/products/*` also matches
 * `/v1/shops/a/admin/products/b`: every route that must not be cached and that one of these
 * patterns matches gets an uncached behaviour placed before them (see Edge).
 */
export const CACHED_PATHS: readonly string[] = ['/v1/shops/*/products/*', '/v1/shops/*/categories/*', '/v1/shops/*/search*', '/v1/shops/*/flash-sales/*'];

/** Merchant routes: never cached, whatever comes after. */
export const ADMIN_PATH = '/v1/shops/*/admin/*';

/** Every API path: with the web apps on the default behaviour, the API's uncached behaviour for what no other catches. */
export const API_PATH = '/v1/*';

/** Product images, served from the images bucket (keys under `images/`). */
export const IMAGES_PATH = `/${IMAGES_PREFIX}*`;

/**
 * The CloudFront Function that answers sold-out and ended sales at the edge (cloudfront-js-2.0,
 * viewer request); the local gateway runs the same file (bin/local/edge-function.ts).
 */
export const SOLD_OUT_FUNCTION_FILE = fileURLToPath(new URL('../functions/edge/sold-out.js', import.meta.url));

/** Requests the sold-out function answers (a sale's page, its entries): the behaviours that catch them get it. */
const SOLD_OUT_PATHS = ['/v1/shops/{shopId}/flash-sales/{saleId}', '/v1/shops/{shopId}/flash-sales/{saleId}/entries'];

/** CloudFront's default quota of cache behaviours per distribution. */
const MAX_BEHAVIORS = 25;

export interface EdgeProps {
  /** Id of the HTTP API behind the distribution (its `$default` stage). */
  readonly httpApiId: string;
  /** @see ROUTES; routes that must not be cached get their own behaviour where a cached pattern would catch them. */
  readonly routes: readonly Route[];
  readonly imagesBucket: IBucket;
  /** Destination of the CloudFront standard logs (prefix `cloudfront/`); ACLs must be enabled on it. */
  readonly logsBucket: IBucket;
  /** @default CACHED_PATHS */
  readonly cachedPaths?: readonly string[];
  /** @default PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: PriceClass;
  /** Longest time CloudFront keeps a public answer, whatever the origin's Cache-Control says. @default Duration.days(1) */
  readonly maxTtl?: Duration;
  /** Custom domain names; needs `certificateArn`. @default the distribution's *.cloudfront.net name only */
  readonly domainNames?: readonly string[];
  /** ACM certificate in us-east-1 for `domainNames`; with it, viewers need TLS 1.2 (TLSv1.2_2021). */
  readonly certificateArn?: string;
  /** ARN of a WAF web ACL of scope CLOUDFRONT (it must live in us-east-1). @default none */
  readonly webAclArn?: string;
  /**
   * The KeyValueStore of sale flags: with it, the sold-out function (SOLD_OUT_FUNCTION_FILE) runs
   * on viewer requests of the behaviours that catch a sale's page and its entries.
   * @default none: no edge function, the API answers every request
   */
  readonly edgeFlags?: IKeyValueStore;
  /**
   * Streamed routes (`responseStreaming`) and their function URLs (RESPONSE_STREAM, IAM auth): each
   * gets a behaviour before all others, uncached, signed by origin access control, with the query
   * string and viewer headers (Last-Event-ID) forwarded.
   * @default none
   */
  readonly streams?: readonly { readonly route: Route; readonly url: IFunctionUrl }[];
  /**
   * The web apps' behaviour (WebApps.behavior): with it, the default behaviour serves the apps,
   * and the API's uncached behaviour moves to API_PATH, after every other API behaviour.
   * @default none: the default behaviour is the API's
   */
  readonly web?: BehaviorOptions;
}

/** CloudFront's wait for the next bytes of a stream: its heartbeats come at least every 15 s. */
const STREAM_READ_TIMEOUT = Duration.seconds(30);

/**
 * CloudFront in front of the HTTP API and the product images.
 *
 * Behaviours, in the order CloudFront tries them (first match wins):
 * 0. one per streamed route (`responseStreaming`, a ticket's server-sent events): its function URL
 *    in RESPONSE_STREAM mode, signed by origin access control (the URL takes IAM auth only), no
 *    caching, no compression, the query string and viewer headers forwarded;
 * 1. `/v1/shops/*\/admin/*`, then one per route that must not be cached (not a public GET) but
 *    that a cached pattern would catch (a collection and its items share one: the flash-sale
 *    entries and tickets are `/v1/shops/*\/flash-sales/*\/entries*`): no caching, every viewer
 *    header but Host forwarded, so Authorization reaches the JWT authorizer;
 * 2. the cached public GETs (CACHED_PATHS): the origin's Cache-Control decides (min and default
 *    TTL 0, so nothing without `public, max-age` is kept), all query strings and `Origin` (CORS)
 *    in the key, gzip and brotli. No Authorization in the key, which also means CloudFront never
 *    forwards it there: a token-protected route these patterns caught by mistake fails closed
 *    with a 401 instead of sharing a personal answer;
 * 3. with the web apps, `/v1/*`: every other API path, as the default behaviour below;
 * 4. `/images/*`: the images bucket through origin access control, cached (CachingOptimized);
 * 5. everything else (default): the web apps when given (their bucket, SPA routing, security
 *    headers: see WebApps), else the API, no caching, all viewer headers except Host (so
 *    Authorization reaches the JWT authorizer and API Gateway sees its own host name).
 */
export class Edge extends Construct {
  readonly distribution: Distribution;
  readonly cachePolicy: CachePolicy;
  /** The path patterns of the cache behaviours, in order. */
  readonly behaviorOrder: readonly string[];
  /** The sold-out function and the path patterns of the behaviours it is associated with (when `edgeFlags` was given). */
  readonly soldOut?: { readonly function: CloudFrontFunction; readonly paths: readonly string[] };

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const cachedPaths = props.cachedPaths ?? CACHED_PATHS;
    const uncachedPaths = uncachedPatterns(
      props.routes.filter((route) => !route.responseStreaming),
      cachedPaths,
    );
    const streams = (props.streams ?? []).map((stream) => ({ ...stream, path: routePattern(stream.route.path) }));
    this.validate(props, cachedPaths, [...streams.map((stream) => stream.path), ...uncachedPaths, ...(props.web ? [API_PATH] : [])]);

    const api = new HttpOrigin(`${props.httpApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });

    this.cachePolicy = new CachePolicy(this, 'PublicApiCache', {
      comment: 'Public API GETs: TTL from the origin Cache-Control; query strings and Origin in the key',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: props.maxTtl ?? Duration.days(1),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      headerBehavior: CacheHeaderBehavior.allowList('Origin'),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const publicOriginRequest = new OriginRequestPolicy(this, 'PublicApiOriginRequest', {
      comment: 'Public API GETs: CORS preflight headers only (never Host, cookies or Authorization)',
      headerBehavior: OriginRequestHeaderBehavior.allowList('Access-Control-Request-Headers', 'Access-Control-Request-Method'),
      queryStringBehavior: OriginRequestQueryStringBehavior.none(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    const uncached: BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    const cached: BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      cachePolicy: this.cachePolicy,
      originRequestPolicy: publicOriginRequest,
      compress: true,
    };

    // An imported view of the bucket: the real one belongs to the stateful stack, whose bucket
    // policy already admits this account's distributions (see Media).
    const images = Bucket.fromBucketAttributes(this, 'ImagesBucket', {
      bucketArn: props.imagesBucket.bucketArn,
      bucketName: props.imagesBucket.bucketName,
      bucketRegionalDomainName: props.imagesBucket.bucketRegionalDomainName,
    });
    const logs = Bucket.fromBucketAttributes(this, 'LogsBucket', {
      bucketArn: props.logsBucket.bucketArn,
      bucketName: props.logsBucket.bucketName,
      bucketRegionalDomainName: props.logsBucket.bucketRegionalDomainName,
    });

    const distribution = new Distribution(this, 'Distribution', {
      comment: props.web ? 'Commerce API, product images and web apps' : 'Commerce API and product images',
      defaultBehavior: props.web ?? uncached,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      ...(props.certificateArn
        ? {
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            domainNames: [...(props.domainNames ?? [])],
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
    });
    // Behaviours are rendered in the order they are added, which is the order CloudFront tries them.
    const apiPaths = props.web ? [API_PATH] : [];
    const order = [...streams.map((stream) => stream.path), ...uncachedPaths, ...cachedPaths, ...apiPaths, IMAGES_PATH];
    // The sold-out function goes on the behaviour that catches each of its requests (the first whose pattern matches).
    const soldOutFunction = props.edgeFlags
      ? new CloudFrontFunction(this, 'SoldOutFunction', {
          comment: 'Answers sold-out and ended flash sales from the KeyValueStore (X-Served-By: edge)',
          code: FunctionCode.fromFile({ filePath: SOLD_OUT_FUNCTION_FILE }),
          runtime: FunctionRuntime.JS_2_0,
          keyValueStore: props.edgeFlags,
        })
      : undefined;
    const soldOutPaths = soldOutFunction
      ? [...new Set(SOLD_OUT_PATHS.map((path) => order.find((pattern) => globMatches(pattern, path.replace(/\{[^}]+\}/g, 'x')))).filter((p) => p !== undefined))]
      : [];
    const withFunction = (path: string, options: BehaviorOptions): BehaviorOptions =>
      soldOutFunction && soldOutPaths.includes(path) ? { ...options, functionAssociations: [{ function: soldOutFunction, eventType: FunctionEventType.VIEWER_REQUEST }] } : options;
    for (const stream of streams) {
      distribution.addBehavior(stream.path, FunctionUrlOrigin.withOriginAccessControl(stream.url, { readTimeout: STREAM_READ_TIMEOUT }), {
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Query strings (the stream token) and viewer headers (Last-Event-ID), never Host: the function URL checks its own.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: false,
      });
    }
    for (const path of uncachedPaths) distribution.addBehavior(path, api, withFunction(path, uncached));
    for (const path of cachedPaths) distribution.addBehavior(path, api, withFunction(path, cached));
    for (const path of apiPaths) distribution.addBehavior(path, api, withFunction(path, uncached));
    if (soldOutFunction) this.soldOut = { function: soldOutFunction, paths: soldOutPaths };
    distribution.addBehavior(IMAGES_PATH, S3BucketOrigin.withOriginAccessControl(images), {
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      compress: true,
    });
    Annotations.of(distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      "The images bucket policy is written by the stateful stack (Media) and admits this account's distributions.",
    );
    this.distribution = distribution;
    this.behaviorOrder = order;

    this.acknowledge(props);
  }

  private acknowledge(props: EdgeProps): void {
    const distribution = this.distribution;
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The shops sell worldwide, so no country is blocked at the edge; a shop that must restrict countries does so at checkout.',
    });
    if (!props.webAclArn) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL yet: one for CloudFront must be created in us-east-1, and these stacks are regional and ' +
          'environment-agnostic. Abuse is limited by per-route API throttling and per-customer Redis token buckets; pass ' +
          'a web ACL (context edgeWebAclArn) once one exists.',
      });
    }
    if (!props.certificateArn) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose security policy CloudFront ' +
          'fixes; with context edgeDomainName and edgeCertificateArn the viewers need TLSv1.2_2021.',
      });
    }
  }

  private validate(props: EdgeProps, cachedPaths: readonly string[], uncachedPaths: readonly string[]): void {
    const where = this.node.path;
    for (const path of [...cachedPaths, ...uncachedPaths]) {
      if (!/^\/[A-Za-z0-9_\-.*$/~"'@:+]*$/.test(path) || path.length > 255) throw new Error(`${where}: "${path}" is not a CloudFront path pattern`);
    }
    const all = [...uncachedPaths, ...cachedPaths, IMAGES_PATH];
    const duplicate = all.find((p, i) => all.indexOf(p) !== i);
    if (duplicate) throw new Error(`${where}: the path pattern ${duplicate} appears twice`);
    if (all.length > MAX_BEHAVIORS) {
      throw new Error(`${where}: ${all.length} cache behaviours exceed CloudFront's default quota of ${MAX_BEHAVIORS}; narrow CACHED_PATHS or move routes`);
    }
    if (props.domainNames?.length && !props.certificateArn) throw new Error(`${where}: domainNames need a certificateArn (ACM, us-east-1)`);
    if (props.certificateArn && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(props.certificateArn)) {
      throw new Error(`${where}: certificateArn must be an ACM certificate in us-east-1, got "${props.certificateArn}"`);
    }
    if (props.webAclArn && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//.test(props.webAclArn)) {
      throw new Error(`${where}: webAclArn must be a WAFv2 web ACL of scope CLOUDFRONT (us-east-1, global/webacl/...), got "${props.webAclArn}"`);
    }
  }
}

/**
 * The uncached behaviours that must precede the cached ones: the admin prefix, then every route
 * that is not a public GET and whose path a cached pattern could match, unless an earlier
 * uncached pattern already covers it. The behaviour's pattern is the route's path with each
 * parameter as `*`. A collection and its items (`.../entries` and `.../entries/*`) share one
 * behaviour, `.../entries*`, unless that pattern would also catch a public GET that neither of
 * the two catches (which would then lose its caching); behaviours are a scarce quota.
 */
export function uncachedPatterns(routes: readonly Route[], cachedPaths: readonly string[]): string[] {
  const patterns = [ADMIN_PATH];
  const publicGets = routes.filter((route) => route.auth === 'public' && route.method === 'GET').map((route) => routeGlob(route.path));
  for (const route of routes) {
    if (route.auth === 'public' && route.method === 'GET') continue;
    if (!cachedPaths.some((cachedPath) => globsIntersect(cachedPath, routeGlob(route.path)))) continue;
    const pattern = routePattern(route.path);
    if (patterns.some((earlier) => globMatches(earlier, pattern))) continue;
    const sibling = patterns.findIndex((earlier) => earlier === `${pattern}/*` || `${earlier}/*` === pattern);
    if (sibling > 0) {
      const base = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
      const merged = `${base}*`;
      const uncachesMore = (glob: string) => globsIntersect(merged, glob) && !globsIntersect(base, glob) && !globsIntersect(`${base}/*`, glob);
      if (!publicGets.some(uncachesMore)) {
        patterns[sibling] = merged;
        continue;
      }
    }
    patterns.push(pattern);
  }
  return patterns;
}

/** `/v1/shops/{shopId}/cart` as a CloudFront pattern: `/v1/shops/*\/cart`. */
export function routePattern(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

/** A route path as a glob where `#` is one parameter (no `/`) and `*` a greedy `{proxy+}`. */
function routeGlob(path: string): string {
  return path.replace(/\{[^}]+\+\}/g, '*').replace(/\{[^}]+\}/g, '#');
}

/**
 * Whether a CloudFront path pattern matches a path (`*`: any characters, `/` included; `?`:
 * one character). Applied to another pattern's text, a match means the pattern covers it.
 */
export function globMatches(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(path);
}

/**
 * Whether some path matches both globs: `*` is any run of characters, `#` any run without `/`
 * (a route parameter), `?` one character, anything else itself. A search of the product of the
 * two patterns, each wildcard a state that may loop or be left.
 */
export function globsIntersect(a: string, b: string): boolean {
  const loops = (c: string | undefined) => c === '*' || c === '#';
  // Whether one character can be consumed by both items, and whether each side stays (loops).
  const step = (x: string, y: string): boolean => {
    const literalX = !loops(x) && x !== '?';
    const literalY = !loops(y) && y !== '?';
    if (literalX && literalY) return x === y;
    if (literalX) return !(y === '#' && x === '/');
    if (literalY) return !(x === '#' && y === '/');
    return true;
  };
  const seen = new Set<string>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    if (loops(a[i]) && go(i + 1, j)) return true;
    if (loops(b[j]) && go(i, j + 1)) return true;
    if (i === a.length || j === b.length) return false;
    const x = a[i]!;
    const y = b[j]!;
    if (!step(x, y)) return false;
    const ni = loops(x) ? i : i + 1;
    const nj = loops(y) ? j : j + 1;
    if (ni === i && nj === j) return false; // both loop: consuming changes nothing
    return go(ni, nj);
  };
  return go(0, 0);
}
