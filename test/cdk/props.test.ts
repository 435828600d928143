import { Duration } from 'aws-cdk-lib';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { Cache } from '#lib/cache';
import { PlatformFunction } from '#lib/constructs/platform-function';
import { Data } from '#lib/data';
import { Email } from '#lib/email';
import { Functions } from '#lib/functions';
import { Identity } from '#lib/identity';
import { Messaging } from '#lib/messaging';
import { Network } from '#lib/network';
import { stageSettings } from '#lib/stage';
import { QUEUES, type QueueDefinition } from '#shared/platform/queues';
import { TABLES, type TableDefinition } from '#shared/platform/tables';
import { buildStacks, stubProjectRoot, testStack } from './support';

describe('stage', () => {
  it('accepts short lowercase stage names and refuses others', () => {
    expect(stageSettings('dev').production).toBe(false);
    expect(stageSettings('prod')).toMatchObject({ production: true, natGateways: 3 });
    expect(stageSettings('pr-42').stage).toBe('pr-42');
    for (const bad of ['', 'Prod', '1dev', 'dev_1', 'a-very-long-stage-name-indeed']) expect(() => stageSettings(bad), bad).toThrow(/Invalid stage/);
  });
});

describe('Network', () => {
  it('refuses zone and NAT counts that cannot work', () => {
    expect(() => new Network(testStack(), 'N', { availabilityZones: ['eu-west-1a'] })).toThrow(/2 to 6 zones/);
    expect(() => new Network(testStack(), 'N', { availabilityZones: ['eu-west-1a', 'eu-west-1a'] })).toThrow(/duplicates/);
    expect(() => new Network(testStack(), 'N', { natGateways: 0 })).toThrow(/natGateways must be an integer from 1/);
    expect(() => new Network(testStack(), 'N', { natGateways: 4 })).toThrow(/natGateways/);
    expect(() => new Network(testStack(), 'N', { cidr: '10.0.0.0/24' })).toThrow(/cidr/);
  });

  it('accepts pinned zones', () => {
    const network = new Network(testStack(), 'N', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 2 });
    expect(network.vpc.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
  });
});

describe('Data', () => {
  const table = (patch: Partial<TableDefinition>): Record<string, TableDefinition> => ({ t: { ...TABLES.shops, ...patch } });

  it('refuses inconsistent table definitions', () => {
    expect(() => new Data(testStack(), 'D', { definitions: {} })).toThrow(/no table definitions/);
    expect(() => new Data(testStack(), 'D', { definitions: table({ envVar: 'SHOPS' }) })).toThrow(/envVar must look like TABLE_NAME/);
    expect(() => new Data(testStack(), 'D', { definitions: table({ logicalName: 'shops-table' }) })).toThrow(/PascalCase/);
    expect(() => new Data(testStack(), 'D', { definitions: { a: TABLES.shops, b: TABLES.shops } })).toThrow(/duplicate logicalName/);
    const clash = { indexName: 'gsi1', partitionKey: { name: 'pk', type: 'N' as const } };
    expect(() => new Data(testStack(), 'D', { definitions: table({ globalIndexes: [clash] }) })).toThrow(/declared as both S and N/);
    const gsi = { indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' as const } };
    expect(() => new Data(testStack(), 'D', { definitions: table({ globalIndexes: [gsi, gsi] }) })).toThrow(/duplicate index names/);
    expect(() => new Data(testStack(), 'D', { definitions: table({ timeToLiveAttribute: 'sk' }) })).toThrow(/must not be a key attribute/);
  });
});

describe('Cache', () => {
  const setup = () => {
    const stack = testStack();
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2 });
    return { stack, vpc, client: new SecurityGroup(stack, 'Client', { vpc }) };
  };

  it('refuses settings without failover, encryption or clients', () => {
    const { stack, vpc, client } = setup();
    const base = { vpc, clientSecurityGroups: [client] };
    expect(() => new Cache(stack, 'C1', { vpc, clientSecurityGroups: [] })).toThrow(/clientSecurityGroups is empty/);
    expect(() => new Cache(stack, 'C2', { ...base, replicasPerShard: 0 })).toThrow(/multi-AZ failover needs a replica/);
    expect(() => new Cache(stack, 'C3', { ...base, shards: 0 })).toThrow(/shards/);
    expect(() => new Cache(stack, 'C4', { ...base, port: 80 })).toThrow(/port/);
    expect(() => new Cache(stack, 'C5', { ...base, nodeType: 'cache.t2.micro' })).toThrow(/t4g or larger/);
    expect(() => new Cache(stack, 'C6', { ...base, nodeType: 'large' })).toThrow(/nodeType/);
    expect(() => new Cache(stack, 'C7', { ...base, engineVersion: '5.0.6' })).toThrow(/engineVersion/);
    expect(() => new Cache(stack, 'C8', { ...base, snapshotRetentionDays: 40 })).toThrow(/snapshotRetentionDays/);
  });
});

describe('Identity', () => {
  it('refuses weak password lengths', () => {
    expect(() => new Identity(testStack(), 'I', { passwordMinLength: 6 })).toThrow(/passwordMinLength/);
  });
});

describe('Messaging', () => {
  const queue = (patch: Partial<QueueDefinition>): Record<string, QueueDefinition> => ({ q: { ...QUEUES.flashSaleEntries, ...patch } });

  it('refuses queue definitions SQS would reject or that make no sense', () => {
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ fifo: false }) })).toThrow(/highThroughput applies to FIFO queues only/);
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ maxReceiveCount: 0 }) })).toThrow(/maxReceiveCount/);
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ retentionDays: 15 }) })).toThrow(/retentionDays/);
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ visibilityTimeoutSeconds: 50_000 }) })).toThrow(/visibilityTimeoutSeconds/);
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ envVar: 'FLASH_QUEUE' }) })).toThrow(/QUEUE_URL_NAME/);
    expect(() => new Messaging(testStack(), 'M', { queues: queue({ retentionDays: 7 }), deadLetterRetention: Duration.days(3) })).toThrow(/dead-letter retention/);
    expect(() => new Messaging(testStack(), 'M', { archiveRetention: Duration.hours(2) })).toThrow(/archiveRetention/);
  });
});

describe('PlatformFunction', () => {
  const spec: FunctionSpec = { id: 'Sample', entry: 'functions/sample/sample.handler.ts', description: 'sample', uses: {} };
  const root = stubProjectRoot([spec]);
  const make =
    (patch: Partial<FunctionSpec>, resources = {}) =>
    () =>
      new PlatformFunction(testStack(), 'F', { spec: { ...spec, ...patch }, stage: 'dev', resources, projectRoot: root });

  it('accepts a valid spec', () => {
    expect(make({})).not.toThrow();
  });

  it('refuses specs that cannot be deployed', () => {
    expect(make({ entry: 'functions/sample/missing.handler.ts' })).toThrow(/does not exist/);
    expect(make({ entry: '../outside.handler.ts' })).toThrow(/relative to the project root/);
    expect(make({ entry: 'functions/sample/sample.handler.py' })).toThrow(/\.ts or \.js/);
    expect(make({ id: 'sample' })).toThrow(/PascalCase/);
    expect(make({ memoryMb: 64 })).toThrow(/memoryMb/);
    expect(make({ timeoutSeconds: 901 })).toThrow(/timeoutSeconds/);
    expect(make({ maxConcurrency: 0 })).toThrow(/maxConcurrency/);
  });

  it('refuses uses that the stack cannot provide', () => {
    expect(make({ uses: { tables: { shops: 'read' } } })).toThrow(/uses table "shops", which the stack does not have/);
    expect(make({ uses: { queues: { flashSaleEntries: 'send' } } })).toThrow(/uses queue "flashSaleEntries"/);
    expect(make({ uses: { redis: true } })).toThrow(/needs "redis"/);
    expect(make({ uses: { eventBus: true } })).toThrow(/needs "eventBus"/);
    expect(make({ uses: { payments: true } })).toThrow(/needs "paymentsSecret"/);
    expect(make({ uses: { carrierWebhooks: true } })).toThrow(/needs "carrierWebhookSecrets"/);
    expect(make({ uses: { warehouse: true } })).toThrow(/needs "warehouseSecret"/);
  });
});

describe('Email', () => {
  it('refuses an identity that is neither a domain nor an address, and identityExists without one', () => {
    for (const bad of ['', 'localhost', 'orders@', 'shop example.com', 'https://shop.example.com']) {
      expect(() => new Email(testStack(), 'E', { identity: bad }), bad).toThrow(/must be a domain .* or an address/);
    }
    expect(() => new Email(testStack(), 'E', { identityExists: true })).toThrow(/identityExists needs an identity/);
    expect(() => new Email(testStack(), 'E', { identity: 'orders@shop.example.com' })).not.toThrow();
  });
});

describe('context of the app', () => {
  it('refuses a warehouse URL that is not https, and a From address the identity cannot send as', () => {
    for (const bad of ['wms.example.com', 'http://wms.example.com/orders', 'https://user:pw@wms.example.com']) {
      expect(() => buildStacks({}, { warehouseUrl: bad }), bad).toThrow(/warehouse URL .* must be an absolute https:\/\/ URL/);
    }
    expect(() => buildStacks({}, { emailFrom: 'orders' })).toThrow(/"orders" \(context emailFrom\) is not an email address/);
    expect(() => buildStacks({}, { emailIdentity: 'shop.example.com', emailFrom: 'orders@example.com' })).toThrow(/cannot be sent as the SES identity "shop.example.com"/);
    expect(() => buildStacks({}, { emailIdentity: 'a@shop.example.com', emailFrom: 'b@shop.example.com' })).toThrow(/cannot be sent as/);
  });
});

describe('Functions', () => {
  it('refuses two different specs with one id', () => {
    const specs: FunctionSpec[] = [FUNCTIONS.openApi, { ...FUNCTIONS.openApi, entry: 'functions/platform/other.handler.ts' }];
    const root = stubProjectRoot(specs);
    expect(() => new Functions(testStack(), 'Fns', { specs, stage: 'dev', resources: {}, projectRoot: root })).toThrow(/two different function specs share the id "OpenApi"/);
  });
});
