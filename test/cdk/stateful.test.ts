import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '#shared/platform/queues';
import { TABLES } from '#shared/platform/tables';
import { PRE_TOKEN_GENERATION } from '#lib/identity';
import { buildStacks, logicalIdOf } from './support';

let template: Template;
let prod: Template;

beforeAll(() => {
  template = buildStacks().statefulTemplate();
  prod = buildStacks({}, { stage: 'prod' }).statefulTemplate();
});

describe('DynamoDB tables', () => {
  it('creates exactly the tables of TABLES', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
  });

  it('bills on demand, with point-in-time recovery and AWS-managed encryption, on every table', () => {
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TableName: Match.absent(),
    });
  });

  it('gives the catalog table its stream and GSI, and retains it with deletion protection', () => {
    const id = logicalIdOf(template, 'AWS::DynamoDB::Table', '/Data/Catalog/');
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    });
    expect(template.toJSON().Resources[id].Properties.TimeToLiveSpecification).toBeUndefined();
  });

  it('sets TTL, streams and GSIs where defined (inventory TTL and outbox stream, orders stream and indexes)', () => {
    const inventory = logicalIdOf(template, 'AWS::DynamoDB::Table', '/Data/Inventory/');
    expect(template.toJSON().Resources[inventory].Properties).toMatchObject({
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [expect.objectContaining({ IndexName: 'gsi1' })],
      StreamSpecification: { StreamViewType: TABLES.inventory.stream },
    });
    for (const [key, def] of Object.entries(TABLES)) {
      const id = logicalIdOf(template, 'AWS::DynamoDB::Table', `/Data/${def.logicalName}/`);
      const stream = template.toJSON().Resources[id].Properties.StreamSpecification;
      expect(stream, key).toEqual('stream' in def ? { StreamViewType: def.stream } : undefined);
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' }), Match.objectLike({ IndexName: 'gsi2' })],
    });
  });

  it('deletes tables whose state may be lost (carts, idempotency) and retains the rest', () => {
    for (const [key, def] of Object.entries(TABLES)) {
      const id = logicalIdOf(template, 'AWS::DynamoDB::Table', `/Data/${def.logicalName}/`);
      const resource = template.toJSON().Resources[id];
      expect(resource.DeletionPolicy, key).toBe(def.retain ? 'Retain' : 'Delete');
      expect(resource.Properties.DeletionProtectionEnabled ?? false, key).toBe(def.retain);
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });
});

describe('Redis', () => {
  it('is a cluster-mode, multi-AZ replication group with TLS, AUTH from Secrets Manager and encryption at rest', () => {
    template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'redis',
      ClusterMode: 'enabled',
      CacheParameterGroupName: 'default.redis7.cluster.on',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      Port: 6379,
      AuthToken: {
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: Match.stringLikeRegexp('^CacheAuthToken') }, ':SecretString:::}}']],
      },
      CacheSubnetGroupName: { Ref: Match.stringLikeRegexp('^CacheSubnetGroup') },
      ReplicationGroupId: Match.absent(),
    });
    const token = logicalIdOf(template, 'AWS::SecretsManager::Secret', '/Cache/AuthToken/');
    expect(template.toJSON().Resources[token].Properties.GenerateSecretString).toMatchObject({ ExcludePunctuation: true, PasswordLength: 64 });
  });

  it('lives in the isolated subnets', () => {
    const subnets = template.findResources('AWS::EC2::Subnet');
    const isolated = Object.entries(subnets)
      .filter(([, r]) => (r.Metadata['aws:cdk:path'] as string).includes('/dataSubnet'))
      .map(([id]) => ({ Ref: id }));
    expect(isolated).toHaveLength(3);
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', { SubnetIds: Match.arrayEquals(isolated) });
  });

  it('admits only the function security group, on 6379', () => {
    const redisSg = logicalIdOf(template, 'AWS::EC2::SecurityGroup', '/Cache/SecurityGroup/');
    const functionSg = logicalIdOf(template, 'AWS::EC2::SecurityGroup', '/Network/FunctionSecurityGroup/');
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) => JSON.stringify(r.Properties.GroupId).includes(redisSg));
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 6379,
      ToPort: 6379,
      SourceSecurityGroupId: { 'Fn::GetAtt': [functionSg, 'GroupId'] },
    });
    const sg = template.toJSON().Resources[redisSg].Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    // No egress: Redis only answers.
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  it('grows in production', () => {
    prod.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NumNodeGroups: 2, CacheNodeType: 'cache.r7g.large' });
  });
});

describe('SQS', () => {
  it('makes the flash-sale queue FIFO in high-throughput mode with a FIFO DLQ after maxReceiveCount', () => {
    const def = QUEUES.flashSaleEntries;
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', `/Messaging/${def.logicalName}Dlq/`);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: def.visibilityTimeoutSeconds,
      MessageRetentionPeriod: def.retentionDays * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: def.maxReceiveCount },
      QueueName: Match.absent(),
    });
    expect(template.toJSON().Resources[dlq].Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('refuses requests without TLS on every queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const queue of queues) {
      const policy = policies.find((p) => JSON.stringify(p.Properties.Queues).includes(queue));
      expect(policy?.Properties.PolicyDocument.Statement, queue).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    }
  });
});

describe('EventBridge', () => {
  it('creates the bus with an archive of its own events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const bus = logicalIdOf(template, 'AWS::Events::EventBus', '/Messaging/Bus/');
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [bus, 'Arn'] },
      RetentionDays: 30,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });
});

describe('Cognito', () => {
  it('has a strong password policy, optional TOTP MFA and enforced Plus-tier threat protection', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'shops', AttributeDataType: 'String', Mutable: true })]),
      UserPoolName: Match.absent(),
    });
  });

  it('puts groups and shops into access tokens through a V2_0 pre-token-generation trigger', () => {
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', '/Identity/PreTokenGeneration/Function/');
    const pool = logicalIdOf(template, 'AWS::Cognito::UserPool', '/Identity/UserPool/');
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [fn, 'Arn'] }, LambdaVersion: 'V2_0' } },
      // V2_0 events need the Essentials or Plus plan.
      UserPoolTier: 'PLUS',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [pool, 'Arn'] },
    });
    // The one function construct: its own role, log group, Node.js 22 on arm64, nothing else granted.
    expect(template.toJSON().Resources[fn].Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: PRE_TOKEN_GENERATION.timeoutSeconds,
    });
    expect(template.toJSON().Resources[fn].Properties.VpcConfig).toBeUndefined();
  });

  it('has an admin group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
  });

  it('gives the apps a public SRP client that can read but not write custom:shops', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      ReadAttributes: Match.arrayWith(['custom:shops']),
      PreventUserExistenceErrors: 'ENABLED',
    });
    // Every client: the apps' and the browser apps' (test/cdk/web-apps.test.ts).
    for (const client of Object.values(template.findResources('AWS::Cognito::UserPoolClient'))) {
      expect(client.Properties.WriteAttributes).toBeDefined();
      expect(client.Properties.WriteAttributes).not.toContain('custom:shops');
    }
  });
});

describe('VPC', () => {
  it('spans three zones picked at deploy time, with one NAT gateway outside production', () => {
    const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map((s) => JSON.stringify(s.Properties.AvailabilityZone));
    expect(new Set(zones).size).toBe(3);
    expect(zones[0]).toContain('Fn::GetAZs');
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('has a flow log and a DynamoDB gateway endpoint; interface endpoints only in production', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs', TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    prod.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });
});

describe('stack', () => {
  it('outputs the user pool, its client, the bus, the search endpoint and the images bucket', () => {
    for (const output of ['UserPoolId', 'UserPoolClientId', 'EventBusName', 'SearchEndpoint', 'ImagesBucketName']) template.hasOutput(output, {});
  });
});
