import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  type IUserPool,
  type IUserPoolClient,
  LambdaVersion,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
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
}

/**
 * Customers, shop admins and platform operators: one Cognito user pool (email sign-in, strong
 * passwords, optional TOTP MFA, Plus-tier threat protection enforced), `admin` and `operator`
 * groups, a custom attribute `shops`, one public client for the apps (SRP, no secret, no OAuth
 * hosted flows), and a V2 pre-token-generation trigger that puts the groups and shops into the
 * access token.
 */
export class Identity extends Construct {
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
  readonly preTokenGeneration: PlatformFunction;

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
  }
}
