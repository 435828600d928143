import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { type IKeyValueStore, KeyValueStore } from 'aws-cdk-lib/aws-cloudfront';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import type { QueueDefinition } from '#shared/platform/queues';
import type { TableDefinition } from '#shared/platform/tables';
import { Cache, type RedisEndpoint } from './cache';
import { Data, type TableResource } from './data';
import { Email, type EmailResource } from './email';
import { Identity, type WebSignInProps } from './identity';
import { Media } from './media';
import { Messaging, type QueueResource } from './messaging';
import { Network } from './network';
import { Search, type SearchResource } from './search';
import { WebBucket } from './web-apps';
import type { StageSettings } from './stage';

/** What the stateless stacks build on: every stateful resource, as interfaces. */
export interface PlatformResources {
  readonly vpc: IVpc;
  readonly functionSubnets: SubnetSelection;
  readonly functionSecurityGroup: ISecurityGroup;
  readonly tables: Readonly<Record<string, TableResource>>;
  readonly queues: Readonly<Record<string, QueueResource>>;
  readonly eventBus: IEventBus;
  /** Sale flags (sold out, ended) that the edge function answers from; written by the flash-sale functions. */
  readonly edgeFlags: IKeyValueStore;
  readonly redis: RedisEndpoint;
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  /** Stripe's keys, JSON `{"secretKey":"sk_...","webhookSecret":"whsec_..."}`, set by an operator after the first deploy. */
  readonly paymentsSecret: ISecret;
  /** The carriers' webhook signing secrets, JSON by carrier name (`{"ups":"..."}`). */
  readonly carrierWebhookSecrets: ISecret;
  /** The HMAC secret signing the orders handed to the warehouse (shared with its WMS). */
  readonly warehouseSecret: ISecret;
  /** The HMAC secret of flash-sale stream tokens (the ticket-scoped token in an entry's streamUrl). */
  readonly streamTokenSecret: ISecret;
  /** The SES configuration set of every email, and the sending identity when one is configured. */
  readonly email: EmailResource;
  /** The catalog search domain and the roles it admits. */
  readonly search: SearchResource;
  /** Product images (keys under `images/`), served by the distribution. */
  readonly imagesBucket: IBucket;
  /** Access logs: S3 server access logs and CloudFront standard logs. */
  readonly logsBucket: IBucket;
  /** The built web apps (storefront, merchant console), served by the distribution's default behaviour. */
  readonly webBucket: IBucket;
  /** Name of this stack's export of the web bucket's ARN (a fixed name, so the edge stack's uploader policy names it). */
  readonly webBucketArnExport: string;
  /** The browser apps' sign-in: the hosted UI's host name and their client (see Identity). */
  readonly webSignIn: WebSignInResource;
}

/** The browser apps' sign-in through the Cognito hosted UI. */
export interface WebSignInResource {
  /** `<prefix>.auth.<region>.amazoncognito.com` */
  readonly domainName: string;
  readonly client: IUserPoolClient;
  /** Whether the client already has its callback URLs (a custom domain); else the edge stack gives them (WebSignIn). */
  readonly complete: boolean;
  readonly localCallback: boolean;
}

export interface StatefulStackProps extends StackProps {
  readonly settings: StageSettings;
  /** @default the first three zones of the region (see Network) */
  readonly availabilityZones?: readonly string[];
  /** @default TABLES */
  readonly tables?: Readonly<Record<string, TableDefinition>>;
  /** @default QUEUES */
  readonly queues?: Readonly<Record<string, QueueDefinition>>;
  /**
   * The functions that use search: the domain admits a role made for each (see Search).
   * @default the specs of FUNCTIONS with `uses.search` (defineCommerceApp passes every deployed spec that has it)
   */
  readonly searchClients?: readonly FunctionSpec[];
  /** Root of the handler entries of this stack's own functions. @default the repository root */
  readonly projectRoot?: string;
  /**
   * SES identity (domain or address) to create and verify in this stack (see Email).
   * @default none: functions may send as any identity verified in the account and region
   */
  readonly emailIdentity?: string;
  /** `emailIdentity` was verified outside this stack: use it without creating it. @default false */
  readonly emailIdentityExists?: boolean;
  /** The hosted UI of the browser apps: their origins when known, the localhost callback. @default see Identity */
  readonly webSignIn?: WebSignInProps;
}

/**
 * Everything that holds state or is expensive to replace: network, tables, Redis, the search
 * domain, queues, the bus, the user pool, the image, web and log buckets, the secrets of the
 * payment provider, carriers and warehouse, and the SES configuration set and identity. It
 * changes rarely; the stateless stacks (API, contexts, edge, monitoring) deploy on every change and can
 * be destroyed and recreated without data loss.
 */
export class StatefulStack extends Stack {
  readonly resources: PlatformResources;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: props.settings.production, ...props });
    const { settings } = props;

    const network = new Network(this, 'Network', {
      ...(props.availabilityZones ? { availabilityZones: props.availabilityZones } : {}),
      natGateways: settings.natGateways,
      interfaceEndpoints: settings.interfaceEndpoints,
      flowLogRetention: settings.logRetention,
    });
    const data = new Data(this, 'Data', props.tables ? { definitions: props.tables } : {});
    const cache = new Cache(this, 'Cache', {
      vpc: network.vpc,
      subnets: network.dataSubnets,
      clientSecurityGroups: [network.functionSecurityGroup],
      nodeType: settings.redis.nodeType,
      shards: settings.redis.shards,
      replicasPerShard: settings.redis.replicasPerShard,
      logRetention: settings.logRetention,
    });
    const messaging = new Messaging(this, 'Messaging', props.queues ? { queues: props.queues } : {});
    const projectRoot = props.projectRoot ? { projectRoot: props.projectRoot } : {};
    const identity = new Identity(this, 'Identity', {
      stage: settings.stage,
      logRetention: settings.logRetention,
      ...projectRoot,
      ...(props.webSignIn ? { web: props.webSignIn } : {}),
    });
    const search = new Search(this, 'Search', {
      stage: settings.stage,
      vpc: network.vpc,
      subnets: network.dataSubnets,
      clientSecurityGroup: network.functionSecurityGroup,
      functionSubnets: network.functionSubnets,
      clients: props.searchClients ?? (Object.values(FUNCTIONS) as FunctionSpec[]).filter((f) => f.uses.search !== undefined),
      ...settings.search,
      logRetention: settings.logRetention,
      // The index is rebuilt from the catalog stream, but a production rebuild takes time and load.
      removalPolicy: settings.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...projectRoot,
    });
    const media = new Media(this, 'Media');
    const web = new WebBucket(this, 'Web', { logsBucket: media.logsBucket });
    const webBucketArnExport = `${this.stackName}-WebBucketArn`;
    this.exportValue(web.bucket.bucketArn, { name: webBucketArnExport });

    const email = new Email(this, 'Email', {
      ...(props.emailIdentity !== undefined ? { identity: props.emailIdentity } : {}),
      ...(props.emailIdentityExists ? { identityExists: true } : {}),
    });

    // Secrets set by an operator after the first deploy. Each generated value has the shape
    // the functions expect, so a placeholder fails loudly (ConfigError, bad signature) instead
    // of being taken for a real key.
    const paymentsSecret = new Secret(this, 'StripeSecretKey', {
      description:
        'Stripe keys as JSON {"secretKey":"sk_...","webhookSecret":"whsec_..."}: after the first deploy, put the secret API key ' +
        'and the signing secret of the webhook endpoint (POST /v1/webhooks/stripe) from the Stripe dashboard. The generated ' +
        'value has an empty secretKey (checkout fails with a ConfigError until it is set) and a random webhookSecret that no ' +
        'Stripe event is signed with.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ secretKey: '' }),
        generateStringKey: 'webhookSecret',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(paymentsSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Stripe API keys are rolled in the Stripe dashboard, which Secrets Manager rotation cannot do; the new key is then put here.',
    });

    const carrierWebhookSecrets = new Secret(this, 'CarrierWebhookSecrets', {
      description:
        'Webhook signing secret of each carrier as JSON by carrier name ({"ups":"...","dhl":"..."}), the {carrier} of ' +
        'POST /v1/webhooks/carriers/{carrier}: give each carrier its value, or put the one it issues. A carrier without an ' +
        'entry is refused.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'ups',
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
    Validations.of(carrierWebhookSecrets).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Each value is shared with a carrier and changed in that carrier's developer portal, which a rotation function cannot " +
        'do; an operator updates both sides (the webhook function re-reads this secret within five minutes).',
    });

    const warehouseSecret = new Secret(this, 'WarehouseWebhookSecret', {
      description: 'HMAC-SHA256 secret signing the orders POSTed to the warehouse (X-Signature: sha256=<hex>): configure the same ' + 'value in the WMS.',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });
    Validations.of(warehouseSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The secret is shared with the warehouse's WMS, which must verify with the new value from the moment it is used; a " +
        'rotation function cannot reconfigure the WMS, so an operator changes both sides together.',
    });

    const streamTokenSecret = new Secret(this, 'StreamTokenSecret', {
      description: "HMAC-SHA256 secret of flash-sale stream tokens (the ticket-scoped token in an entry answer's streamUrl); used by the platform alone.",
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });
    Validations.of(streamTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A token lives no longer than its ticket (the sale plus its hold time), and the functions re-read the secret every five ' +
        'minutes: an operator changes the value between sales (PutSecretValue) without a deploy. A rotation function mid-sale ' +
        'would refuse the open streams of every waiting customer at once.',
    });

    const edgeFlags = new KeyValueStore(this, 'EdgeFlags', { comment: 'Flash sales sold out or ended: answered at the CloudFront edge' });

    this.resources = {
      vpc: network.vpc,
      functionSubnets: network.functionSubnets,
      functionSecurityGroup: network.functionSecurityGroup,
      tables: data.tables,
      queues: messaging.queues,
      eventBus: messaging.eventBus,
      edgeFlags,
      redis: cache.endpoint,
      userPool: identity.userPool,
      userPoolClient: identity.userPoolClient,
      paymentsSecret,
      carrierWebhookSecrets,
      warehouseSecret,
      streamTokenSecret,
      email: email.resource,
      search: search.resource,
      imagesBucket: media.imagesBucket,
      logsBucket: media.logsBucket,
      webBucket: web.bucket,
      webBucketArnExport,
      webSignIn: { domainName: identity.webDomainName, client: identity.webClient, complete: identity.webClientComplete, localCallback: identity.webLocalCallback },
    };

    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId, description: 'Cognito user pool id' });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.userPoolClient.userPoolClientId, description: 'Cognito app client id' });
    new CfnOutput(this, 'WebClientId', { value: identity.webClient.userPoolClientId, description: 'Cognito app client of the browser apps (hosted UI, code grant with PKCE)' });
    new CfnOutput(this, 'SignInDomain', { value: identity.webDomainName, description: 'Cognito hosted UI domain of the browser apps' });
    new CfnOutput(this, 'EventBusName', { value: messaging.eventBus.eventBusName, description: 'Platform event bus' });
    new CfnOutput(this, 'RedisConfigurationEndpoint', { value: cache.endpoint.host, description: 'Redis cluster configuration endpoint' });
    new CfnOutput(this, 'SearchEndpoint', { value: search.resource.url, description: 'Catalog search domain (VPC only)' });
    new CfnOutput(this, 'StripeSecretArn', { value: paymentsSecret.secretArn, description: 'Stripe keys: {"secretKey":"sk_...","webhookSecret":"whsec_..."}' });
    new CfnOutput(this, 'CarrierWebhookSecretsArn', { value: carrierWebhookSecrets.secretArn, description: 'Carrier webhook secrets: {"<carrier>":"<secret>"}' });
    new CfnOutput(this, 'WarehouseSecretArn', { value: warehouseSecret.secretArn, description: 'HMAC secret shared with the warehouse WMS' });
    new CfnOutput(this, 'EmailConfigurationSetName', { value: email.configurationSet.configurationSetName, description: 'SES configuration set of every email' });
    new CfnOutput(this, 'ImagesBucketName', { value: media.imagesBucket.bucketName, description: 'Product images (keys under images/)' });
  }
}
