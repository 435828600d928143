import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec, type ResourceUse } from '#functions/registry';
import { actionsOf, buildStacks, functionPath, logicalIdOf, statementsOf, type TestStacks } from './support';

/**
 * The secrets of the payment provider, carriers and warehouse, and outgoing email: what the
 * stateful stack creates, and what each function that `uses` them is told and allowed.
 */
const SPECS = Object.values(FUNCTIONS) as FunctionSpec[];
const WAREHOUSE_URL = 'https://wms.example.com/v1/orders';

let plain: TestStacks;
let template: Template;
let stateful: Template;
/** A stage deployed with an SES domain, a From address and the warehouse endpoint. */
let configured: Template;
let configuredStateful: Template;

beforeAll(() => {
  plain = buildStacks();
  template = plain.statelessTemplate();
  stateful = plain.statefulTemplate();
  const withContext = buildStacks({}, { emailIdentity: 'shop.example.com', emailFrom: 'orders@shop.example.com', warehouseUrl: WAREHOUSE_URL });
  configured = withContext.statelessTemplate();
  configuredStateful = withContext.statefulTemplate();
});

/** The stateless stacks' synthesis messages of a level that mention a word. */
const messagesAbout = (level: 'info' | 'warning', word: string) => plain.statelessMessages().filter((m) => m.level === level && String(m.entry.data).includes(word));

const env = (t: Template, spec: FunctionSpec): Record<string, unknown> => {
  const id = logicalIdOf(t, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
  return t.toJSON().Resources[id].Properties.Environment.Variables;
};
const secretProps = (path: string): Record<string, any> => stateful.toJSON().Resources[logicalIdOf(stateful, 'AWS::SecretsManager::Secret', path)].Properties;
/** The stateless stack's reference to a secret of the stateful stack. */
const secretRef = (construct: string) => ({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`ExportsOutputRef${construct}[0-9A-F]{8}`)) });
/** Functions whose role may read the secret exported under `construct`. */
const readersOf = (construct: string): string[] =>
  SPECS.filter((spec) =>
    statementsOf(template, spec.id).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes(`ExportsOutputRef${construct}`)),
  ).map((s) => s.id);
const users = (flag: keyof ResourceUse): string[] => SPECS.filter((s) => s.uses[flag]).map((s) => s.id);

describe('secrets', () => {
  it('generates the Stripe secret as the JSON the adapter reads, with an empty secretKey until an operator sets it', () => {
    const stripe = secretProps('/StripeSecretKey/');
    expect(stripe.GenerateSecretString).toEqual({
      SecretStringTemplate: JSON.stringify({ secretKey: '' }),
      GenerateStringKey: 'webhookSecret',
      ExcludePunctuation: true,
      PasswordLength: 32,
    });
    expect(stripe.Description).toContain('{"secretKey":"sk_...","webhookSecret":"whsec_..."}');
  });

  it("generates the carriers' webhook secrets as a JSON object by carrier name", () => {
    const carriers = secretProps('/CarrierWebhookSecrets/');
    expect(carriers.GenerateSecretString).toMatchObject({ SecretStringTemplate: '{}', GenerateStringKey: 'ups', ExcludePunctuation: true });
    expect(carriers.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
  });

  it('generates the warehouse signing secret as a random string', () => {
    const warehouse = secretProps('/WarehouseWebhookSecret/');
    expect(warehouse.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 64 });
  });

  it('outputs the ARNs an operator fills in, and the configuration set', () => {
    for (const output of ['StripeSecretArn', 'CarrierWebhookSecretsArn', 'WarehouseSecretArn', 'EmailConfigurationSetName']) stateful.hasOutput(output, {});
  });

  it('tells payment functions where the Stripe keys are, and lets only them read the keys', () => {
    const payments = users('payments');
    expect(payments).toEqual(expect.arrayContaining(['Checkout', 'CancelOrder', 'RecordOrderEvent', 'StripeWebhook', 'CarrierWebhook', 'ReconcilePayments', 'ExpireCheckout']));
    for (const spec of SPECS) {
      if (spec.uses.payments) expect(env(template, spec).STRIPE_SECRET_ARN, spec.id).toEqual(secretRef('StripeSecretKey'));
      else expect(env(template, spec).STRIPE_SECRET_ARN, spec.id).toBeUndefined();
    }
    expect(readersOf('StripeSecretKey').sort()).toEqual(payments.sort());
  });

  it("tells the carrier webhook where the carriers' secrets are, and lets only it read them", () => {
    expect(users('carrierWebhooks')).toEqual(['CarrierWebhook']);
    expect(env(template, FUNCTIONS.carrierWebhook).CARRIER_SECRETS_ARN).toEqual(secretRef('CarrierWebhookSecrets'));
    for (const spec of SPECS.filter((s) => !s.uses.carrierWebhooks)) expect(env(template, spec).CARRIER_SECRETS_ARN, spec.id).toBeUndefined();
    expect(readersOf('CarrierWebhookSecrets')).toEqual(['CarrierWebhook']);
  });

  it('tells the warehouse hand-over where its signing secret and the warehouse are, and lets only it read the secret', () => {
    expect(users('warehouse')).toEqual(['HandToWarehouse']);
    expect(env(configured, FUNCTIONS.handToWarehouse)).toMatchObject({ WAREHOUSE_SECRET_ARN: secretRef('WarehouseWebhookSecret'), WAREHOUSE_URL: WAREHOUSE_URL });
    expect(readersOf('WarehouseWebhookSecret')).toEqual(['HandToWarehouse']);
    for (const spec of SPECS.filter((s) => !s.uses.warehouse)) {
      expect(env(configured, spec).WAREHOUSE_URL, spec.id).toBeUndefined();
      expect(env(configured, spec).WAREHOUSE_SECRET_ARN, spec.id).toBeUndefined();
    }
  });

  it('deploys the hand-over without a warehouse URL, and says so at synth', () => {
    const variables = env(template, FUNCTIONS.handToWarehouse);
    expect(variables.WAREHOUSE_SECRET_ARN).toEqual(secretRef('WarehouseWebhookSecret'));
    expect(variables.WAREHOUSE_URL).toBeUndefined();
    const infos = messagesAbout('info', 'warehouseUrl');
    expect(infos.map((i) => i.id)).toEqual([functionPath('dev', FUNCTIONS.handToWarehouse)]);
    expect(plain.statelessMessages().filter((m) => m.level === 'warning')).toEqual([]);
  });
});

describe('email', () => {
  const emailers = SPECS.filter((s) => s.uses.email);
  const configurationSetRef = { 'Fn::ImportValue': expect.stringMatching(/ExportsOutputRefEmailConfigurationSet/) };
  const sendStatement = (t: Template, spec: FunctionSpec) => {
    const found = statementsOf(t, spec.id).filter((s) => actionsOf(s).includes('ses:SendEmail'));
    expect(found, spec.id).toHaveLength(1);
    return found[0]!;
  };
  /** An SES ARN of this account and region, as CloudFormation joins it. */
  const arn = (resource: string, name: unknown) => {
    const prefix = ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }];
    return { 'Fn::Join': ['', typeof name === 'string' ? [...prefix, `:${resource}/${name}`] : [...prefix, `:${resource}/`, name]] };
  };

  it('sends every email through a configuration set with reputation metrics and bounce and complaint suppression', () => {
    stateful.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    stateful.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: Match.absent(),
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('turns deliveries, bounces and complaints into CloudWatch metrics per email kind', () => {
    const set = logicalIdOf(stateful, 'AWS::SES::ConfigurationSet', '/Email/ConfigurationSet/');
    stateful.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: set },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['send', 'delivery', 'bounce', 'complaint', 'reject']),
        CloudWatchDestination: {
          DimensionConfigurations: [{ DimensionName: 'type', DimensionValueSource: 'messageTag', DefaultDimensionValue: 'untagged' }],
        },
      },
    });
  });

  it('creates no identity unless one is configured, and then sends as any identity of the account', () => {
    stateful.resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(emailers.map((s) => s.id)).toEqual(expect.arrayContaining(['Health', 'SendOrderEmail']));
    for (const spec of emailers) {
      expect(env(template, spec).SES_CONFIGURATION_SET, spec.id).toEqual(configurationSetRef);
      expect(env(template, spec).SES_FROM_ADDRESS, spec.id).toBeUndefined();
      const statement = sendStatement(template, spec);
      expect(statement.Resource).toEqual([arn('configuration-set', configurationSetRef), arn('identity', '*')]);
      expect(statement.Condition).toBeUndefined();
    }
    const infos = messagesAbout('info', 'emailFrom');
    expect(infos.map((i) => i.id).sort()).toEqual(emailers.map((s) => functionPath('dev', s)).sort());
    for (const spec of SPECS.filter((s) => !s.uses.email)) {
      expect(env(template, spec).SES_CONFIGURATION_SET, spec.id).toBeUndefined();
      expect(statementsOf(template, spec.id).flatMap(actionsOf), spec.id).not.toContain('ses:SendEmail');
    }
  });

  it('creates the configured domain with Easy DKIM and the configuration set as its default, and outputs its DKIM records', () => {
    const set = logicalIdOf(configuredStateful, 'AWS::SES::ConfigurationSet', '/Email/ConfigurationSet/');
    configuredStateful.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'shop.example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: set } },
    });
    const identity = logicalIdOf(configuredStateful, 'AWS::SES::EmailIdentity', '/Email/Identity/');
    const outputs = Object.values(configuredStateful.findOutputs('*', { Description: Match.stringLikeRegexp('DKIM') }));
    expect(outputs).toHaveLength(3);
    expect(JSON.stringify(outputs[0]!.Value)).toContain(identity);
  });

  it('lets email functions send only as the configured identity and From address, through the configuration set', () => {
    for (const spec of emailers) {
      expect(env(configured, spec), spec.id).toMatchObject({ SES_FROM_ADDRESS: 'orders@shop.example.com', SES_CONFIGURATION_SET: configurationSetRef });
      expect(sendStatement(configured, spec), spec.id).toMatchObject({
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [arn('configuration-set', configurationSetRef), arn('identity', 'shop.example.com')],
        Condition: { StringEquals: { 'ses:FromAddress': 'orders@shop.example.com' } },
      });
    }
  });

  it('sends from an address identity without emailFrom, and uses an identity verified by hand without creating it', () => {
    const address = buildStacks({}, { emailIdentity: 'orders@shop.example.com' });
    expect(env(address.statelessTemplate(), FUNCTIONS.sendOrderEmail).SES_FROM_ADDRESS).toBe('orders@shop.example.com');
    address.statefulTemplate().hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'orders@shop.example.com' });
    expect(address.statefulTemplate().findOutputs('*', { Description: Match.stringLikeRegexp('DKIM') })).toEqual({});

    const existing = buildStacks({}, { emailIdentity: 'shop.example.com', emailIdentityExists: 'true', emailFrom: 'orders@mail.shop.example.com' });
    existing.statefulTemplate().resourceCountIs('AWS::SES::EmailIdentity', 0);
    expect(sendStatement(existing.statelessTemplate(), FUNCTIONS.sendOrderEmail).Resource).toContainEqual(arn('identity', 'shop.example.com'));
  });
});
