import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEALTH_PROBE_KEY } from '#shared/platform/check-health';
import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionSpec } from '#functions/registry';
import { ESM_REQUIRE_BANNER, PlatformFunction, roleDescription, TABLE_READ_ACTIONS, WILDCARD_RESOURCE_ACTIONS } from '#lib/constructs/platform-function';
import { TABLES } from '#shared/platform/tables';
import { actionsOf, buildStacks, cdkJsonContext, logicalIdOf, statementsOf, stubProjectRoot, withoutProvidedFunctions } from './support';

let template: Template;
let stateful: Template;

beforeAll(() => {
  const stacks = buildStacks();
  // The platform's functions (the edge stack also holds functions CDK provides: the web apps' upload, the web client's update).
  template = withoutProvidedFunctions(stacks.statelessTemplate());
  stateful = stacks.statefulTemplate();
});

const functionProps = (spec: FunctionSpec): Record<string, unknown> => {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', `/Functions/${spec.id}/Function/`);
  return template.toJSON().Resources[id].Properties;
};
const env = (spec: FunctionSpec): Record<string, unknown> => (functionProps(spec).Environment as { Variables: Record<string, unknown> }).Variables;
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('platform function defaults', () => {
  it('creates one function per registered spec', () => {
    template.resourceCountIs('AWS::Lambda::Function', Object.keys(FUNCTIONS).length);
  });

  it('runs every function on Node.js 22, arm64, with active tracing and JSON logs in its own log group', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
      FunctionName: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          STAGE: 'dev',
          SERVICE_NAME: 'commerce',
          POWERTOOLS_SERVICE_NAME: 'commerce',
          POWERTOOLS_METRICS_NAMESPACE: 'Commerce/dev',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('applies the 512 MB / 10 s defaults unless the spec says otherwise', () => {
    const spec: FunctionSpec = FUNCTIONS.openApi;
    expect(spec.memoryMb).toBeUndefined();
    expect(functionProps(spec)).toMatchObject({ MemorySize: 512, Timeout: spec.timeoutSeconds ?? 10 });
    expect(functionProps(FUNCTIONS.notFound)).toMatchObject({ MemorySize: 256, Timeout: 3 });
  });

  it('gives each function a role of its own without managed policies', () => {
    // Search users run as roles of the stateful stack (the domain's access policy names them).
    const specs = Object.values(FUNCTIONS) as FunctionSpec[];
    const searchUsers = specs.filter((f) => f.uses.search !== undefined);
    expect(searchUsers.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::IAM::Role', specs.length - searchUsers.length);
    for (const spec of searchUsers) {
      expect(functionProps(spec).Role, spec.id).toEqual({ 'Fn::ImportValue': expect.stringContaining(`Search${spec.id}Role`) });
    }
    template.allResourcesProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
    });
    // The stateful stack's function roles: search clients, the search setup and the Cognito trigger.
    const statefulFunctionRoles = Object.values(stateful.findResources('AWS::IAM::Role')).filter((r) => /\/(Search|Identity)\//.test(r.Metadata['aws:cdk:path'] as string));
    expect(statefulFunctionRoles).toHaveLength(searchUsers.length + 2);
    for (const role of statefulFunctionRoles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' } })]);
    }
  });

  it('writes role descriptions that IAM accepts (Latin-1 only)', () => {
    const roles = Object.values({ ...template.findResources('AWS::IAM::Role'), ...stateful.findResources('AWS::IAM::Role') });
    const described = roles.filter((r) => r.Properties.Description !== undefined);
    expect(described.length).toBeGreaterThanOrEqual(Object.keys(FUNCTIONS).length);
    for (const role of described) {
      expect(role.Properties.Description).toMatch(/^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/);
    }
    expect(roleDescription({ id: 'X', description: 'Stream → index — “quoted” … ✓' })).toBe('X: Stream -> index - "quoted" ... ');
  });
});

describe('VPC placement, Redis and search', () => {
  it('places only Redis and search users in the VPC, with the function security group, and tells Redis users how to connect', () => {
    const health: FunctionSpec = FUNCTIONS.health;
    expect(health.uses.redis).toBe(true);
    const vpcConfig = functionProps(health).VpcConfig as { SecurityGroupIds: unknown[]; SubnetIds: unknown[] };
    expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::ImportValue': expect.stringContaining('FunctionSecurityGroup') }]);
    expect(vpcConfig.SubnetIds).toHaveLength(3);
    for (const subnet of vpcConfig.SubnetIds) expect(subnet).toEqual({ 'Fn::ImportValue': expect.stringContaining('functionsSubnet') });
    expect(env(health)).toMatchObject({
      REDIS_HOST: { 'Fn::ImportValue': expect.stringContaining('ConfigurationEndPointAddress') },
      REDIS_PORT: '6379',
      REDIS_TLS: 'true',
      REDIS_CLUSTER: 'true',
      REDIS_AUTH_SECRET_ARN: { 'Fn::ImportValue': expect.stringContaining('CacheAuthToken') },
    });
    for (const spec of Object.values(FUNCTIONS) as FunctionSpec[]) {
      if (spec.uses.redis || spec.uses.search) {
        expect(functionProps(spec).VpcConfig, spec.id).toBeDefined();
        continue;
      }
      expect(functionProps(spec).VpcConfig, spec.id).toBeUndefined();
      expect(env(spec).REDIS_HOST, spec.id).toBeUndefined();
    }
  });

  it('tells search users where the domain and index are, and nobody else', () => {
    for (const spec of Object.values(FUNCTIONS) as FunctionSpec[]) {
      const variables = env(spec);
      if (!spec.uses.search) {
        expect(variables.OPENSEARCH_ENDPOINT, spec.id).toBeUndefined();
        continue;
      }
      expect(variables, spec.id).toMatchObject({
        SEARCH_ENGINE: 'opensearch',
        OPENSEARCH_ENDPOINT: { 'Fn::Join': ['', ['https://', { 'Fn::ImportValue': expect.stringContaining('SearchDomain') }]] },
        OPENSEARCH_INDEX: 'products',
      });
      expect(statementsOf(template, spec.id).flatMap(actionsOf), spec.id).toContain('ec2:CreateNetworkInterface');
      // Data-plane access comes from the domain's access policy, not from the role.
      expect(
        statementsOf(template, spec.id)
          .flatMap(actionsOf)
          .some((a) => a.startsWith('es:')),
        spec.id,
      ).toBe(false);
    }
  });

  it('lets Redis users read the AUTH secret and manage their ENIs', () => {
    const statements = statementsOf(template, 'Health');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { 'Fn::ImportValue': expect.stringContaining('CacheAuthToken') },
      }),
    );
    expect(statements.flatMap(actionsOf)).toContain('ec2:CreateNetworkInterface');
    expect(statementsOf(template, 'Shops').flatMap(actionsOf)).not.toContain('ec2:CreateNetworkInterface');
  });
});

describe('least privilege', () => {
  it('gives the health function names and describe rights, never data access', () => {
    const actions = statementsOf(template, 'Health').flatMap(actionsOf);
    for (const forbidden of [...WRITE_ACTIONS, 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'sqs:SendMessage', 'sqs:ReceiveMessage']) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'sqs:GetQueueAttributes', 'events:DescribeEventBus', 'ses:GetAccount']));
    // GetItem of the probe's key only: no item of any shop is readable.
    const getItem = statementsOf(template, 'Health').filter((s) => actionsOf(s).includes('dynamodb:GetItem'));
    expect(getItem).toHaveLength(1);
    expect(getItem[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [HEALTH_PROBE_KEY] } });
    expect(actions).toContain('events:PutEvents'); // uses.eventBus
    for (const def of Object.values(TABLES)) expect(env(FUNCTIONS.health)).toHaveProperty(def.envVar);
  });

  it('gives a read-only function read actions on its one table and its indexes only', () => {
    const shops = stateful.toJSON().Resources;
    const shopsTable = logicalIdOf(stateful, 'AWS::DynamoDB::Table', '/Data/Shops/');
    expect(shops[shopsTable]).toBeDefined();
    const dynamo = statementsOf(template, 'Shops').filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]!).sort()).toEqual([...TABLE_READ_ACTIONS].sort());
    expect(JSON.stringify(dynamo[0]!.Resource)).toContain(`GetAttDataShops`);
    expect(JSON.stringify(dynamo[0]!.Resource)).not.toMatch(/Catalog|Orders|Inventory|\*/);
    const tableVars = Object.keys(env(FUNCTIONS.shops)).filter((k) => k.startsWith('TABLE_'));
    expect(tableVars).toEqual(['TABLE_SHOPS']);
  });

  it('gives a read-write function both, on its table only', () => {
    const actions = statementsOf(template, 'UpdateShop').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining([...TABLE_READ_ACTIONS, ...WRITE_ACTIONS]));
    expect(JSON.stringify(statementsOf(template, 'UpdateShop'))).not.toMatch(/GetAttData(Catalog|Orders|Inventory|Carts)/);
  });

  it('grants "*" resources only for actions that have no resource-level permissions', () => {
    const roles = Object.values(FUNCTIONS).map((f) => f.id);
    for (const id of roles) {
      for (const statement of statementsOf(template, id)) {
        const resources = ([] as unknown[]).concat(statement.Resource);
        if (!resources.includes('*')) continue;
        for (const action of actionsOf(statement)) expect(WILDCARD_RESOURCE_ACTIONS, `${id}: ${action} on *`).toContain(action);
      }
    }
  });

  it('gives functions without uses nothing but logs and tracing', () => {
    const actions = statementsOf(template, 'NotFound').flatMap(actionsOf).sort();
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });
});

describe('ESM bundling', () => {
  it('bundles ESM for node22, minified, with a source map and the require banner that CJS dependencies need', async () => {
    const spec: FunctionSpec = {
      id: 'Bundled',
      entry: 'functions/sample/bundled.handler.ts',
      description: 'bundling check',
      uses: {},
    };
    const root = stubProjectRoot([spec]);
    // Bundling runs the project's own esbuild (npx --no-install) from the project root.
    symlinkSync(fileURLToPath(new URL('../../node_modules', import.meta.url)), join(root, 'node_modules'), 'dir');
    // A CommonJS dependency that calls require(): only works in an ESM bundle thanks to the banner.
    writeFileSync(join(root, 'functions/sample/legacy.cjs'), "const path = require('path');\nmodule.exports = () => path.posix.join('a', 'b');\n");
    writeFileSync(join(root, spec.entry), "import legacy from './legacy.cjs';\nexport const handler = async () => legacy();\n");
    const outdir = join(root, 'cdk.out');
    const app = new App({ outdir, context: cdkJsonContext() });
    const stack = new Stack(app, 'Bundling');
    new PlatformFunction(stack, 'Bundled', { spec, stage: 'dev', resources: {}, projectRoot: root });
    app.synth();
    const assetDir = readdirSync(outdir).find((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')));
    expect(assetDir).toBeDefined();
    const code = readFileSync(join(outdir, assetDir!, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{/);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    expect(code.split('\n').length).toBeLessThan(6); // minified
    expect(existsSync(join(outdir, assetDir!, 'index.mjs.map'))).toBe(true);
    const bundle = (await import(pathToFileURL(join(outdir, assetDir!, 'index.mjs')).href)) as { handler: () => Promise<string> };
    await expect(bundle.handler()).resolves.toBe('a/b');
  });
});
