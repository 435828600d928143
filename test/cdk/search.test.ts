import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { PlatformFunction } from '#lib/constructs/platform-function';
import { SEARCH_READ_ACTIONS, SEARCH_ROLE_NAMES, SEARCH_WRITE_ACTIONS, Search, type SearchProps } from '#lib/search';
import { buildStacks, logicalIdOf, stubProjectRoot, testStack } from './support';

const specs = Object.values(FUNCTIONS) as FunctionSpec[];
const readers = specs.filter((f) => f.uses.search === 'read');
const writers = specs.filter((f) => f.uses.search === 'write');

let dev: Template;
let prod: Template;
let stateless: Template;

beforeAll(() => {
  const stacks = buildStacks();
  dev = stacks.statefulTemplate();
  stateless = stacks.statelessTemplate();
  prod = buildStacks({}, { stage: 'prod' }).statefulTemplate();
});

type Statement = { Sid?: string; Effect: string; Principal: { AWS: unknown }; Action: string[]; Resource: unknown };
const domainOf = (t: Template): Record<string, any> => Object.values(t.findResources('AWS::OpenSearchService::Domain'))[0]!.Properties;
const statements = (t: Template): Statement[] => domainOf(t).AccessPolicies.Statement;
const roleArn = (t: Template, pathPart: string) => ({ 'Fn::GetAtt': [logicalIdOf(t, 'AWS::IAM::Role', pathPart), 'Arn'] });
const resourceText = (s: Statement): string => JSON.stringify(s.Resource);

describe('search domain', () => {
  it('is one OpenSearch 2.x domain, encrypted at rest and between nodes, HTTPS only with TLS 1.2+', () => {
    dev.resourceCountIs('AWS::OpenSearchService::Domain', 1);
    const domain = domainOf(dev);
    expect(domain.EngineVersion).toMatch(/^OpenSearch_2\.\d+$/);
    expect(domain.EncryptionAtRestOptions).toEqual({ Enabled: true });
    expect(domain.NodeToNodeEncryptionOptions).toEqual({ Enabled: true });
    expect(domain.DomainEndpointOptions).toEqual({ EnforceHTTPS: true, TLSSecurityPolicy: expect.stringMatching(/^Policy-Min-TLS-1-2/) });
    expect(domain.DomainName).toBe('catalog-dev');
  });

  it('uses fine-grained access control with an IAM role as master user, and no password', () => {
    expect(domainOf(dev).AdvancedSecurityOptions).toEqual({
      Enabled: true,
      InternalUserDatabaseEnabled: false,
      MasterUserOptions: { MasterUserARN: roleArn(dev, '/Search/SetupFunction/Role/') },
    });
    dev.resourcePropertiesCountIs('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ SecretStringTemplate: Match.stringLikeRegexp('username') }) }, 0);
  });

  it('lives in the isolated subnets with zone awareness: two zones in dev, three with dedicated managers in prod', () => {
    const isolated = (t: Template) =>
      Object.entries(t.findResources('AWS::EC2::Subnet'))
        .filter(([, r]) => (r.Metadata['aws:cdk:path'] as string).includes('/dataSubnet'))
        .map(([id]) => ({ Ref: id }));
    expect(domainOf(dev).VPCOptions.SubnetIds).toEqual(isolated(dev).slice(0, 2));
    expect(domainOf(dev).ClusterConfig).toMatchObject({
      ZoneAwarenessEnabled: true,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 2 },
      InstanceCount: 2,
      DedicatedMasterEnabled: false,
    });
    expect(domainOf(prod).VPCOptions.SubnetIds).toEqual(isolated(prod));
    expect(domainOf(prod).ClusterConfig).toMatchObject({
      ZoneAwarenessEnabled: true,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
      InstanceCount: 3,
      DedicatedMasterEnabled: true,
      DedicatedMasterCount: 3,
    });
    expect(prod.toJSON().Resources[logicalIdOf(prod, 'AWS::OpenSearchService::Domain', '/Search/Domain/')].DeletionPolicy).toBe('Retain');
  });

  it('publishes slow search, slow index and application logs to CloudWatch, writable by this domain only', () => {
    const logs = domainOf(dev).LogPublishingOptions;
    const groups = { SEARCH_SLOW_LOGS: '/Search/SlowSearchLogs/', INDEX_SLOW_LOGS: '/Search/SlowIndexLogs/', ES_APPLICATION_LOGS: '/Search/AppLogs/' };
    for (const [kind, path] of Object.entries(groups)) {
      expect(logs[kind], kind).toEqual({ Enabled: true, CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [logicalIdOf(dev, 'AWS::Logs::LogGroup', path), 'Arn'] } });
    }
    const policy = Object.values(dev.findResources('AWS::Logs::ResourcePolicy'))[0]!;
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain('es.amazonaws.com');
    expect(document).toContain(':domain/catalog-dev');
    for (const path of Object.values(groups)) expect(document).toContain(logicalIdOf(dev, 'AWS::Logs::LogGroup', path));
  });

  it('admits only the function security group, on 443, and sends nothing out', () => {
    const sg = logicalIdOf(dev, 'AWS::EC2::SecurityGroup', '/Search/SecurityGroup/');
    const functionSg = logicalIdOf(dev, 'AWS::EC2::SecurityGroup', '/Network/FunctionSecurityGroup/');
    expect(domainOf(dev).VPCOptions.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sg, 'GroupId'] }]);
    const ingress = Object.values(dev.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) => JSON.stringify(r.Properties.GroupId).includes(sg));
    expect(ingress.map((r) => r.Properties)).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [functionSg, 'GroupId'] } })]);
    const props = dev.toJSON().Resources[sg].Properties;
    expect(props.SecurityGroupIngress).toBeUndefined();
    expect(props.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });
});

describe('domain access policy', () => {
  it('names exactly the master role and the roles of the functions that use search, never "*"', () => {
    expect(readers.length + writers.length).toBeGreaterThan(0);
    const all = statements(dev);
    expect(all.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(JSON.stringify(all.map((s) => s.Principal))).not.toContain('"*"');
    const principals = all.flatMap((s) => ([] as unknown[]).concat(s.Principal.AWS));
    const expected = [roleArn(dev, '/Search/SetupFunction/Role/'), ...[...readers, ...writers].map((f) => roleArn(dev, `/Search/${f.id}Role/`))];
    expect(principals).toHaveLength(expected.length);
    expect(principals).toEqual(expect.arrayContaining(expected));
  });

  it('lets readers GET and POST the index _search only, and writers use the index alone', () => {
    const bySid = Object.fromEntries(statements(dev).map((s) => [s.Sid, s]));
    const readersStatement = bySid.IndexReaders!;
    expect(readersStatement.Action.sort()).toEqual([...SEARCH_READ_ACTIONS].sort());
    expect(readersStatement.Action).not.toContain('es:ESHttpPut');
    expect(readersStatement.Action).not.toContain('es:ESHttpDelete');
    expect(resourceText(readersStatement)).toMatch(/:domain\/catalog-dev\/products\/_search"\]\]\}$/);
    expect([readersStatement.Principal.AWS].flat()).toEqual(readers.map((f) => roleArn(dev, `/Search/${f.id}Role/`)));

    const writersStatement = bySid.IndexWriters!;
    expect(writersStatement.Action.sort()).toEqual([...SEARCH_WRITE_ACTIONS].sort());
    expect(resourceText(writersStatement)).toContain(':domain/catalog-dev/products"');
    expect(resourceText(writersStatement)).toContain(':domain/catalog-dev/products/*"');
    expect(resourceText(writersStatement)).not.toContain(':domain/catalog-dev/*"');
    expect([writersStatement.Principal.AWS].flat()).toEqual(writers.map((f) => roleArn(dev, `/Search/${f.id}Role/`)));

    expect(resourceText(bySid.MasterUser!)).toContain(':domain/catalog-dev/*"');
  });

  it('maps the same roles in fine-grained access control: read-only for readers, document writes without index creation for writers', () => {
    const setup = Object.values(dev.findResources('Custom::SearchSetup'))[0]!.Properties;
    expect(setup.ServiceToken).toEqual({ 'Fn::GetAtt': [logicalIdOf(dev, 'AWS::Lambda::Function', '/Search/SetupFunction/'), 'Arn'] });
    expect(setup.IndexName).toBe('products');
    expect(setup.RoleMappings).toEqual({
      [SEARCH_ROLE_NAMES.read]: { backend_roles: readers.map((f) => roleArn(dev, `/Search/${f.id}Role/`)) },
      [SEARCH_ROLE_NAMES.write]: { backend_roles: writers.map((f) => roleArn(dev, `/Search/${f.id}Role/`)) },
    });
    expect(setup.Roles[SEARCH_ROLE_NAMES.read].index_permissions).toEqual([{ index_patterns: ['products*'], allowed_actions: ['read'] }]);
    const write = setup.Roles[SEARCH_ROLE_NAMES.write];
    expect(write.index_permissions[0].allowed_actions).toContain('crud');
    expect(JSON.stringify(write)).not.toMatch(/create_index|delete_index|manage|all_access/);
  });

  it('runs the setup (master) function in the VPC, where the domain is', () => {
    const fn = logicalIdOf(dev, 'AWS::Lambda::Function', '/Search/SetupFunction/');
    const props = dev.toJSON().Resources[fn].Properties;
    expect(props.VpcConfig.SubnetIds).toHaveLength(3);
    expect(props.Environment.Variables.OPENSEARCH_ENDPOINT).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(dev, 'AWS::OpenSearchService::Domain', '/Search/Domain/'), 'DomainEndpoint'] }]],
    });
  });

  it('runs each search function as the role the domain admits', () => {
    for (const spec of [...readers, ...writers]) {
      const fn = logicalIdOf(stateless, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
      expect(stateless.toJSON().Resources[fn].Properties.Role, spec.id).toEqual({ 'Fn::ImportValue': expect.stringContaining(`Search${spec.id}Role`) });
    }
  });
});

describe('search clients follow the deployed specs', () => {
  const sampleReader: FunctionSpec = {
    id: 'SampleSearchReader',
    entry: 'functions/catalog/sample-search-reader.handler.ts',
    description: 'sample search reader',
    uses: { search: 'read' },
  };

  it('admits a role for a search user that only the stateless stack lists', () => {
    const stacks = buildStacks({ stateless: { functions: [...specs, sampleReader] } });
    const template = stacks.statefulTemplate();
    const readersStatement = statements(template).find((s) => s.Sid === 'IndexReaders')!;
    expect([readersStatement.Principal.AWS].flat()).toContainEqual(roleArn(template, '/Search/SampleSearchReaderRole/'));
  });

  it('refuses a search user whose role the domain does not admit, or whose access level differs', () => {
    const root = stubProjectRoot([sampleReader]);
    const search = { url: 'https://x', indexName: 'products', domainArn: 'arn:aws:es:eu-west-1:123456789012:domain/x', clients: {} };
    const make = (clients: Record<string, { roleArn: string; access: 'read' | 'write' }>) => () =>
      new PlatformFunction(testStack(), 'F', { spec: sampleReader, stage: 'dev', resources: { search: { ...search, clients } }, projectRoot: root });
    expect(make({})).toThrow(/the search domain admits no role for it/);
    expect(make({ SampleSearchReader: { roleArn: 'arn:aws:iam::123456789012:role/x', access: 'write' } })).toThrow(/admitted for write/);
    expect(() => new PlatformFunction(testStack(), 'F', { spec: sampleReader, stage: 'dev', resources: {}, projectRoot: root })).toThrow(/needs "search"/);
  });
});

describe('Search props', () => {
  const setup = (patch: Partial<SearchProps>) => () => {
    const stack = testStack();
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 1 });
    const clientSecurityGroup = new SecurityGroup(stack, 'Clients', { vpc });
    return new Search(stack, 'Search', {
      stage: 'dev',
      vpc,
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      functionSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      clientSecurityGroup,
      clients: [...readers, ...writers],
      ...patch,
    });
  };

  it('refuses sizes and clients that cannot work', () => {
    expect(setup({})).not.toThrow();
    expect(setup({ zones: 4 as 3 })).toThrow(/zones must be 2 or 3/);
    expect(setup({ zones: 3, dataNodes: 2 })).toThrow(/multiple of the 3 zones/);
    expect(setup({ dataNodes: 3 })).toThrow(/multiple of the 2 zones/);
    expect(setup({ masterNodes: 2 as 3 })).toThrow(/masterNodes must be 0 or 3/);
    expect(setup({ volumeGb: 5 })).toThrow(/volumeGb/);
    expect(setup({ dataNodeType: 't2.small.search' })).toThrow(/neither encryption at rest/);
    expect(setup({ dataNodeType: 'r7g.large' })).toThrow(/must look like r7g.large.search/);
    expect(setup({ stage: 'Prod' })).toThrow(/cannot name a domain/);
    expect(setup({ clients: [FUNCTIONS.health] })).toThrow(/does not declare uses.search/);
    expect(setup({ clients: [...readers, ...readers] })).toThrow(/listed twice/);
  });
});
