import { Aws, Duration, Fn, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolClient,
  ClientAttributes,
  FeaturePlan,
  type IUserPool,
  type IUserPoolClient,
  LambdaVersion,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolDomain,
  UserPoolGroup,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { preTokenGenerationFunction } from '#functions/platform/platform.functions';
import type { FunctionSpec } from '#functions/registry';
import { PlatformFunction } from './constructs/platform-function';

/** Name of the group whose members may call `admin` routes (for the shops in their `shops` claim). */
export const ADMIN_GROUP = 'admin';
/** Name of the group whose members may call `operator` routes (platform operations; no shop). */
export const OPERATOR_GROUP = 'operator';
/** Custom attribute listing the shops an admin manages (comma-separated shop ids). */
export const SHOPS_ATTRIBUTE = 'shops';

/** The pre-token-generation trigger, declared beside its handler (functions/platform/platform.functions.ts). */
export const PRE_TOKEN_GENERATION: FunctionSpec = preTokenGenerationFunction;

/** Where the hosted UI sends a browser back with the code: the storefront's and the console's callback pages. */
export const WEB_CALLBACK_PATHS = ['/auth/callback', '/admin/auth/callback'] as const;
/** Where it sends a browser after sign-out: each app's home. */
export const WEB_LOGOUT_PATHS = ['/', '/admin/'] as const;
/** The only plain-http callback, for a web app run by hand against a deployed stage (context webLocalCallback=true). */
export const LOCAL_WEB_CALLBACK = 'http://localhost:3000/auth/callback';

/** Sign-in of the browser apps through the Cognito hosted UI. */
export interface WebSignInProps {
  /**
   * The https origins the apps are served from (`https://shop.example.com`), when known at
   * synthesis (a custom domain). Without any, the web client is made with its hosted-UI flows
   * off, and the edge stack turns them on with the distribution's domain (see WebSignIn).
   * @default none
   */
  readonly origins?: readonly string[];
  /** Also accept LOCAL_WEB_CALLBACK. @default false */
  readonly localCallback?: boolean;
  /** Prefix of the Cognito domain (`<prefix>.auth.<region>.amazoncognito.com`). @default `commerce-<stage>-<account id>` */
  readonly domainPrefix?: string;
}

/** The web client's callback and logout URLs for these origins. */
export function webSignInUrls(origins: readonly string[], localCallback = false): { readonly callbackUrls: string[]; readonly logoutUrls: string[] } {
  for (const origin of origins) {
    if (!Token.isUnresolved(origin) && !/^https:\/\/[^/\s]+$/.test(origin)) throw new Error(`The web origin "${origin}" must be https://<host>, without a path`);
  }
  return {
    callbackUrls: [...origins.flatMap((origin) => WEB_CALLBACK_PATHS.map((path) => `${origin}${path}`)), ...(localCallback ? [LOCAL_WEB_CALLBACK] : [])],
    logoutUrls: origins.flatMap((origin) => WEB_LOGOUT_PATHS.map((path) => `${origin}${path}`)),
  };
}

/**
 * Every setting of the web apps' client, in the shape of Cognito's UpdateUserPoolClient (and
 * CloudFormation's AWS::Cognito::UserPoolClient): the stateful stack creates the client with
 * them, and the edge stack's WebSignIn writes them again with the distribution's URLs. An
 * update resets whatever it leaves out, so both take all of them from here. A public client
 * (no secret: a browser cannot keep one) with the authorization code grant only; the apps send
 * a PKCE challenge. Without callback URLs the hosted-UI flows are off.
 */
export function webClientSettings(urls: { readonly callbackUrls: readonly string[]; readonly logoutUrls: readonly string[] }): Record<string, unknown> {
  const oauth = urls.callbackUrls.length > 0;
  return {
    ClientName: 'web',
    ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    SupportedIdentityProviders: ['COGNITO'],
    AllowedOAuthFlowsUserPoolClient: oauth,
    ...(oauth
      ? {
          AllowedOAuthFlows: ['code'],
          AllowedOAuthScopes: ['openid', 'email', 'profile'],
          CallbackURLs: [...urls.callbackUrls],
          ...(urls.logoutUrls.length ? { LogoutURLs: [...urls.logoutUrls] } : {}),
        }
      : {}),
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AccessTokenValidity: 60,
    IdTokenValidity: 60,
    RefreshTokenValidity: 30,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    ReadAttributes: ['email', 'email_verified', 'given_name', 'family_name', 'phone_number', `custom:${SHOPS_ATTRIBUTE}`],
    // Never custom:shops: a user must not grant themselves a shop.
    WriteAttributes: ['email', 'given_name', 'family_name', 'phone_number'],
  };
}

export interface IdentityProps {
  /**
   * Whether shoppers can create their own accounts. Admins and operators are never self-made:
   * the groups and the `shops` attribute are set through Cognito's admin API.
   * @default true
   */
  readonly selfSignUp?: boolean;
  /** @default 12 */
  readonly passwordMinLength?: number;
  /** @default RemovalPolicy.RETAIN (accounts outlive the stack) */
  readonly removalPolicy?: RemovalPolicy;
  /** Stage of the trigger function's environment. @default 'dev' */
  readonly stage?: string;
  /** @default RetentionDays.TWO_WEEKS */
  readonly logRetention?: RetentionDays;
  /** Root of the trigger's handler entry. @default the repository root */
  readonly projectRoot?: string;
  /** The hosted UI's domain and the browser apps' client. @default a domain and a client with no origin known yet */
  readonly web?: WebSignInProps;
}

/**
 * Customers, shop admins and platform operators: one Cognito user pool (email sign-in, strong
 * passwords, optional TOTP MFA, Plus-tier threat protection enforced), `admin` and `operator`
 * groups, a custom attribute `shops`, one public client for the apps (SRP, no secret, no OAuth
 * hosted flows), and a V2 pre-token-generation trigger that puts the groups and shops into the
 * access token. The browser apps sign in through the hosted UI on a Cognito prefix domain with
 * their own public client (authorization code with PKCE; see webClientSettings).
 */
export class Identity extends Construct {
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  readonly preTokenGeneration: PlatformFunction;
  /** The browser apps' client (hosted UI, code grant with PKCE); the API accepts its tokens too. */
  readonly webClient: IUserPoolClient;
  /** The hosted UI's host name, `<prefix>.auth.<region>.amazoncognito.com`. */
  readonly webDomainName: string;
  /** Whether the web client was given its apps' callback URLs here (an origin was known); else WebSignIn gives them. */
  readonly webClientComplete: boolean;
  /** Whether the web client also accepts LOCAL_WEB_CALLBACK. */
  readonly webLocalCallback: boolean;

  constructor(scope: Construct, id: string, props: IdentityProps = {}) {
    super(scope, id);
    const passwordMinLength = props.passwordMinLength ?? 12;
    if (!Number.isInteger(passwordMinLength) || passwordMinLength < 8 || passwordMinLength > 99) {
      throw new Error(`${this.node.path}: passwordMinLength must be 8-99, got ${passwordMinLength}`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp ?? true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: { [SHOPS_ATTRIBUTE]: new StringAttribute({ minLen: 0, maxLen: 2048, mutable: true }) },
      passwordPolicy: {
        minLength: passwordMinLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'Shoppers are offered TOTP MFA but not forced into it (friction at checkout); Plus-tier threat ' + 'protection is enforced and blocks compromised credentials and risky sign-ins instead.',
    });

    // V2_0 events can change the access token (V1_0 only the ID token); it needs the Essentials or Plus plan.
    const preTokenGeneration = new PlatformFunction(this, 'PreTokenGeneration', {
      spec: PRE_TOKEN_GENERATION,
      stage: props.stage ?? 'dev',
      resources: {},
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
    });
    userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preTokenGeneration.function, LambdaVersion.V2_0);
    this.preTokenGeneration = preTokenGeneration;

    new UserPoolGroup(this, 'AdminGroup', {
      userPool,
      groupName: ADMIN_GROUP,
      description: 'Shop administrators; the shops they manage are in the custom:shops attribute',
      precedence: 0,
    });
    new UserPoolGroup(this, 'OperatorGroup', {
      userPool,
      groupName: OPERATOR_GROUP,
      description: 'Platform operators: may read the health of every dependency; not tied to a shop',
      precedence: 1,
    });

    // Apps may read the shops attribute but never write it: that would let a user grant
    // themselves a shop. Only an operator (admin API) sets it.
    const standard = { email: true, emailVerified: true, givenName: true, familyName: true, phoneNumber: true };
    const client = userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new ClientAttributes().withStandardAttributes(standard).withCustomAttributes(SHOPS_ATTRIBUTE),
      writeAttributes: new ClientAttributes().withStandardAttributes({ ...standard, emailVerified: false }),
    });

    this.userPool = userPool;
    this.userPoolClient = client;

    // The hosted UI: a prefix domain, unique per account (prefixes are global within a region).
    const web = props.web ?? {};
    const domainPrefix = web.domainPrefix ?? Fn.join('-', ['commerce', props.stage ?? 'dev', Aws.ACCOUNT_ID]);
    const domain = new UserPoolDomain(this, 'Domain', { userPool, cognitoDomain: { domainPrefix } });
    this.webDomainName = Fn.join('', [domain.domainName, '.auth.', Aws.REGION, '.amazoncognito.com']);
    const urls = webSignInUrls(web.origins ?? [], web.localCallback ?? false);
    const webClient = new CfnUserPoolClient(this, 'WebClient', { userPoolId: userPool.userPoolId, generateSecret: false });
    for (const [key, value] of Object.entries(webClientSettings(urls))) webClient.addPropertyOverride(key, value);
    this.webClient = UserPoolClient.fromUserPoolClientId(this, 'WebClientRef', webClient.ref);
    this.webClientComplete = (web.origins ?? []).length > 0;
    this.webLocalCallback = web.localCallback ?? false;
  }
}
