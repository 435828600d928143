import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn, IgnoreMode, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  type BehaviorOptions,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  CachedMethods,
  type Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { webClientSettings, webSignInUrls } from './identity';

/**
 * The CloudFront Function of the web apps' behaviour (cloudfront-js-2.0, viewer request): an
 * extension-less path answers its app's index.html (SPA routing).
 */
export const SPA_FUNCTION_FILE = fileURLToPath(new URL('../functions/edge/spa.js', import.meta.url));

/** The built apps (`npm run web:build`): the storefront's index.html, the console's admin/index.html, hashed files under assets/. */
export const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

/** Content-hashed files: a name never changes content, so browsers and CloudFront keep them a year. */
export const ASSETS_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The pages and config.json: checked on every load, so a deployment shows at once. */
export const PAGES_CACHE_CONTROL = 'no-cache';

/** Where each app's sign-in comes back to (the console's is under /admin/). */
export const WEB_REDIRECT_PATH = '/auth/callback';

/** The runtime configuration of the apps (`/config.json`) in AWS; locally the gateway serves `{ auth: { kind: 'local' }, ... }`. */
export interface WebConfig {
  readonly auth: { readonly kind: 'cognito'; readonly domain: string; readonly clientId: string; readonly redirectPath: string };
  readonly apiBase: string;
  readonly shopId: string;
}

/**
 * The Content-Security-Policy of the apps: scripts and styles from the origin only (no inline
 * script), API calls to the origin and the Cognito token endpoint (the PKCE code exchange),
 * images from the origin (product images are its `/images/*` behaviour) and data: URLs, no
 * framing, no plugins, forms and <base> to the origin only.
 */
export function contentSecurityPolicy(cognitoDomain: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' https://${cognitoDomain}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The web apps' bucket: private, encrypted, TLS only, access-logged; CloudFront reads it through origin access control. */
export interface WebBucketProps {
  /** Destination of its server access logs (prefix `s3/web/`). */
  readonly logsBucket: IBucket;
}

/**
 * The bucket of the built apps, in the stateful stack beside the images bucket (its access
 * logs go to the same bucket, whose log-delivery policy lives there). Its content is rebuilt
 * from `web/` on every deployment, so it is emptied and deleted with the stack. Its policy
 * admits this account's distributions (as the images bucket's does): the distribution lives
 * in the edge stack, deployed after this one. s3:ListBucket lets a missing file be a 404
 * rather than a 403.
 */
export class WebBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: WebBucketProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 's3/web/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const cloudFront = {
      principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
      conditions: {
        StringEquals: { 'AWS:SourceAccount': stack.account },
        ArnLike: { 'AWS:SourceArn': `arn:${stack.partition}:cloudfront::${stack.account}:distribution/*` },
      },
    };
    bucket.addToResourcePolicy(new PolicyStatement({ sid: 'CloudFrontOriginAccessControl', actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')], ...cloudFront }));
    bucket.addToResourcePolicy(new PolicyStatement({ sid: 'CloudFrontOriginAccessControlList', actions: ['s3:ListBucket'], resources: [bucket.bucketArn], ...cloudFront }));
    this.bucket = bucket;
  }
}

export interface WebAppsProps {
  /** The bucket of the apps (WebBucket, stateful stack). */
  readonly bucket: IBucket;
  /** The name of the stateful stack's export of its ARN: the uploader's policy names it (see acknowledgeProvidedFunctions). */
  readonly bucketArnExport: string;
  /** The built apps; must hold index.html. @default WEB_DIST */
  readonly dist?: string;
  /** The shop the storefront sells and the console manages. @default 'demo' */
  readonly shopId?: string;
  /** The hosted UI's host name and the web client, written into `/config.json`. */
  readonly signIn: { readonly domainName: string; readonly client: IUserPoolClient };
}

/**
 * The storefront and the merchant console on the distribution's default behaviour: the bucket
 * through origin access control, the SPA routing function, the security headers, and a cache
 * policy that follows the objects' Cache-Control (ASSETS_CACHE_CONTROL, PAGES_CACHE_CONTROL).
 * `deploy` uploads the apps and `/config.json` once the distribution exists.
 */
export class WebApps extends Construct {
  readonly behavior: BehaviorOptions;
  readonly spaFunction: CloudFrontFunction;
  readonly headers: ResponseHeadersPolicy;
  readonly cachePolicy: CachePolicy;
  readonly bucketArnExport: string;
  private readonly bucket: IBucket;
  private readonly dist: string;
  /** What `/config.json` holds (tokens until deployment). */
  readonly config: WebConfig;

  constructor(scope: Construct, id: string, props: WebAppsProps) {
    super(scope, id);
    const dist = props.dist ?? WEB_DIST;
    if (!existsSync(join(dist, 'index.html'))) {
      throw new Error(`${this.node.path}: the web apps are not built (no ${join(dist, 'index.html')}): run npm run web:build`);
    }
    this.dist = dist;
    // An imported view: the real bucket belongs to the stateful stack, whose policy admits this account's distributions.
    this.bucketArnExport = props.bucketArnExport;
    this.bucket = Bucket.fromBucketAttributes(this, 'Bucket', {
      bucketArn: Fn.importValue(props.bucketArnExport),
      bucketName: props.bucket.bucketName,
      bucketRegionalDomainName: props.bucket.bucketRegionalDomainName,
    });
    this.config = {
      auth: { kind: 'cognito', domain: props.signIn.domainName, clientId: props.signIn.client.userPoolClientId, redirectPath: WEB_REDIRECT_PATH },
      apiBase: '/v1',
      shopId: props.shopId ?? 'demo',
    };

    this.spaFunction = new CloudFrontFunction(this, 'SpaFunction', {
      comment: 'Web apps: an extension-less path answers its app index.html (/admin/... the console, else the storefront)',
      code: FunctionCode.fromFile({ filePath: SPA_FUNCTION_FILE }),
      runtime: FunctionRuntime.JS_2_0,
    });
    this.headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Web apps: CSP, HSTS, nosniff, no framing, referrer policy',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(props.signIn.domainName), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, preload: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    // TTLs from the objects' Cache-Control: a year for assets/, none for the pages (no-cache, min TTL 0).
    this.cachePolicy = new CachePolicy(this, 'Cache', {
      comment: 'Web apps: TTL from the object Cache-Control (assets a year, pages none); nothing but the path in the key',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.behavior = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      cachePolicy: this.cachePolicy,
      responseHeadersPolicy: this.headers,
      compress: true,
      functionAssociations: [{ function: this.spaFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
  }

  /**
   * Uploads the apps: first assets/ (kept across deployments, so a page loaded before one still
   * finds its scripts), then the pages and `/config.json`, whose tokens (client id, domain)
   * resolve at deployment; then CloudFront forgets its copies of the pages.
   */
  deploy(distribution: Distribution): { readonly assets?: BucketDeployment; readonly pages: BucketDeployment } {
    const assetsDir = join(this.dist, 'assets');
    const assets = existsSync(assetsDir)
      ? new BucketDeployment(this, 'Assets', {
          destinationBucket: this.bucket,
          sources: [Source.asset(assetsDir)],
          destinationKeyPrefix: 'assets/',
          cacheControl: [CacheControl.fromString(ASSETS_CACHE_CONTROL)],
          prune: false,
          memoryLimit: 512,
        })
      : undefined;
    const pages = new BucketDeployment(this, 'Pages', {
      destinationBucket: this.bucket,
      sources: [Source.asset(this.dist, { exclude: ['/assets'], ignoreMode: IgnoreMode.GIT }), Source.jsonData('config.json', this.config)],
      cacheControl: [CacheControl.fromString(PAGES_CACHE_CONTROL)],
      // assets/ is the other deployment's: never pruned here.
      exclude: ['assets/*'],
      prune: true,
      memoryLimit: 512,
      distribution,
      distributionPaths: ['/index.html', '/admin/*', '/config.json'],
    });
    if (assets) pages.node.addDependency(assets);
    return { ...(assets ? { assets } : {}), pages };
  }
}

export interface WebSignInProps {
  readonly userPool: IUserPool;
  readonly client: IUserPoolClient;
  /** The https origins the apps are served from; a token is fine (the distribution's domain). */
  readonly origins: readonly string[];
  readonly localCallback?: boolean;
}

/**
 * The web client's callback and logout URLs when they are known only once the distribution
 * exists (no custom domain): the client lives in the stateful stack, so that the API's
 * authorizer, deployed before the distribution, accepts its tokens; its URLs name the
 * distribution, deployed after. This writes every setting of the client (webClientSettings,
 * an update resets what it leaves out) with the distribution's URLs, on each deployment whose
 * settings changed; a stateful deployment that changes the client resets its URLs until the
 * edge stack's deployment that follows (cdk deploy --all deploys both, in that order).
 */
export class WebSignIn extends Construct {
  readonly update: AwsCustomResource;

  constructor(scope: Construct, id: string, props: WebSignInProps) {
    super(scope, id);
    const call = {
      service: '@aws-sdk/client-cognito-identity-provider',
      action: 'UpdateUserPoolClient',
      parameters: { UserPoolId: props.userPool.userPoolId, ClientId: props.client.userPoolClientId, ...webClientSettings(webSignInUrls(props.origins, props.localCallback ?? false)) },
      physicalResourceId: PhysicalResourceId.of(props.client.userPoolClientId),
      // The answer describes the whole client; custom resource data is limited to 4 KB.
      outputPaths: ['UserPoolClient.ClientId'],
    };
    this.update = new AwsCustomResource(this, 'UpdateClient', {
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['cognito-idp:UpdateUserPoolClient'], resources: [props.userPool.userPoolArn] })]),
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
  }
}

/** The BucketDeployment role's wildcards (cdk-nag's evidence): the CDK asset bucket, the web bucket's keys, CloudFront invalidations. */
function uploaderWildcards(bucketArnExport: string): string[] {
  return [
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => `Action::${action}`),
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    `Resource::${bucketArnExport}/*`,
    'Resource::*',
  ];
}

/** A granular acknowledgement id of the web bucket's keys, whatever the stage: for the nag test's list. */
export const WEB_BUCKET_KEYS_ACKNOWLEDGEMENT = /^AwsSolutions-IAM5\[Resource::commerce-[a-z0-9-]+-stateful-WebBucketArn\/\*\]$/;

/**
 * cdk-nag findings about the Lambda functions that CDK itself provides for WebApps.deploy
 * (BucketDeployment) and WebSignIn (AwsCustomResource), acknowledged on those functions only:
 * their roles and runtimes are CDK's, not this code's. Call once both exist.
 */
export function acknowledgeProvidedFunctions(stack: Stack, web: WebApps): void {
  for (const construct of stack.node.children) {
    const uploader = construct.node.id.startsWith('Custom::CDKBucketDeployment');
    if (!uploader && construct.node.id !== `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`) continue;
    Validations.of(construct).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'A function that CDK provides (web apps upload, web client update): its role has AWSLambdaBasicExecutionRole for its own logs; CDK makes that role.',
    });
    if (!uploader) continue;
    Validations.of(construct).acknowledge({
      id: 'AwsSolutions-L1',
      reason: "CDK's BucketDeployment pins its function's runtime (Python, with the AWS CLI layer); it moves with the aws-cdk-lib version.",
    });
    for (const evidence of uploaderWildcards(web.bucketArnExport)) {
      Validations.of(construct).acknowledge({
        id: `AwsSolutions-IAM5[${evidence}]`,
        reason:
          "The web apps upload (CDK's BucketDeployment) reads the CDK asset bucket, writes and prunes the web bucket's keys (they come " +
          'from the build, so bucket/*), and creates CloudFront invalidations, which take no resource ARN.',
      });
    }
  }
}
