import { CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { EbsDeviceVolumeType, type ISecurityGroup, type IVpc, Port, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { ArnPrincipal, type IRole, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, ResourcePolicy, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type CfnDomain, Domain, EngineVersion, TLSSecurityPolicy } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { SearchSetupProperties } from '#functions/catalog/search-setup.handler';
import { searchSetupFunction } from '#functions/catalog/catalog.functions';
import type { FunctionSpec } from '#functions/registry';
import { PlatformFunction, roleDescription } from './constructs/platform-function';
import type { SearchAccess, SearchClient, SearchResource } from './search-resource';

export type { SearchAccess, SearchClient, SearchResource } from './search-resource';

/** HTTP methods per access level, as domain access policy actions. */
export const SEARCH_READ_ACTIONS = ['es:ESHttpGet', 'es:ESHttpPost'] as const;
export const SEARCH_WRITE_ACTIONS = ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpDelete'] as const;

/** Names of the fine-grained access control roles that the function roles map to. */
export const SEARCH_ROLE_NAMES: Readonly<Record<SearchAccess, string>> = { read: 'catalog_search_read', write: 'catalog_search_write' };

export interface SearchProps {
  /** Stage name: the domain is named `catalog-<stage>` (see the class comment). */
  readonly stage: string;
  readonly vpc: IVpc;
  /** Subnets of the data nodes; the first subnet of each of the first `zones` zones is used. */
  readonly subnets: SubnetSelection;
  /** Security group of the functions: the only one the domain admits, on 443. */
  readonly clientSecurityGroup: ISecurityGroup;
  /** Subnets of the setup function (it needs egress to answer CloudFormation). */
  readonly functionSubnets: SubnetSelection;
  /** The functions that use search; each gets its own role, named in the access policy. */
  readonly clients: readonly FunctionSpec[];
  /** @default 2 */
  readonly dataNodes?: number;
  /** @default 't3.small.search' */
  readonly dataNodeType?: string;
  /** Zones the data nodes spread over (zone awareness). @default 2 */
  readonly zones?: 2 | 3;
  /** Dedicated cluster-manager nodes: 0 or 3. @default 0 */
  readonly masterNodes?: 0 | 3;
  /** @default 'm7g.large.search' */
  readonly masterNodeType?: string;
  /** EBS gp3 volume per data node. @default 10 */
  readonly volumeGb?: number;
  /** The alias functions use; the index behind it is `<indexName>_v<N>`. @default 'products' */
  readonly indexName?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The index is derived data (rebuilt from the catalog stream), so DESTROY is safe. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** Root of the setup handler's entry. @default the repository root */
  readonly projectRoot?: string;
}

/**
 * The catalog search domain: OpenSearch 2.19 in the VPC's isolated subnets with zone
 * awareness, encryption at rest and between nodes, HTTPS only with TLS 1.2+ (PFS suites),
 * slow and application logs in CloudWatch, and a security group that admits only the
 * functions, on 443.
 *
 * Who may do what is decided three times, all keyed on IAM role ARNs:
 * - the domain access policy (resource-based) names the master role (everything), the writer
 *   roles (GET, HEAD, POST, PUT, DELETE on `<index>` and `<index>/*`) and the reader roles
 *   (GET and POST on `<index>/_search` only: a reader can query but not reach `_bulk`, `_doc`
 *   or any other index or API);
 * - fine-grained access control maps the reader roles to `catalog_search_read` (read on
 *   `<index>*`) and the writer roles to `catalog_search_write` (document CRUD and bulk, but no
 *   index creation, so a bulk write can never auto-create a wrongly mapped index);
 * - the master user is the IAM role of the setup function (no password exists), which writes
 *   those roles and mappings and creates the index at deploy time.
 *
 * Each function that uses search gets its role here, because the access policy must name it
 * and the domain lives in this (stateful) stack; the function's other permissions are attached
 * in the context's stack. The domain has a name (`catalog-<stage>`, as unique as the stack
 * names) so that the access policy can name the domain's ARN in plain CloudFormation; without
 * it the CDK would need a custom resource calling UpdateDomainConfig to attach the policy.
 */
export class Search extends Construct {
  readonly domain: Domain;
  readonly securityGroup: ISecurityGroup;
  readonly resource: SearchResource;
  /** The master user of the domain (the setup function's role). */
  readonly masterRole: IRole;
  readonly clientRoles: ReadonlyMap<string, IRole>;

  constructor(scope: Construct, id: string, props: SearchProps) {
    super(scope, id);
    const zones = props.zones ?? 2;
    const dataNodes = props.dataNodes ?? 2;
    const masterNodes = props.masterNodes ?? 0;
    const volumeGb = props.volumeGb ?? 10;
    const indexName = props.indexName ?? 'products';
    const dataNodeType = props.dataNodeType ?? 't3.small.search';
    this.validate(props, { zones, dataNodes, masterNodes, volumeGb, indexName, dataNodeType });
    const stack = Stack.of(this);
    const domainName = `catalog-${props.stage}`;
    const domainArn = stack.formatArn({ service: 'es', resource: 'domain', resourceName: domainName });
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Search domain: HTTPS from the function security group only',
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(props.clientSecurityGroup, Port.tcp(443), 'HTTPS from functions');
    this.securityGroup = securityGroup;

    // One role per client function; its context's stack attaches the function's other grants.
    const clientRoles = new Map<string, IRole>();
    const byAccess: Record<SearchAccess, IRole[]> = { read: [], write: [] };
    const clients: Record<string, SearchClient> = {};
    for (const spec of props.clients) {
      const access = spec.uses.search as SearchAccess;
      const role = new Role(this, `${spec.id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: roleDescription(spec),
      });
      clientRoles.set(spec.id, role);
      byAccess[access].push(role);
      clients[spec.id] = { roleArn: role.roleArn, access };
    }
    this.clientRoles = clientRoles;

    // The setup function: its role is the master user; it runs in the VPC to reach the domain.
    const setup = new PlatformFunction(this, 'SetupFunction', {
      spec: searchSetupFunction,
      stage: props.stage,
      resources: { vpc: props.vpc, functionSubnets: props.functionSubnets, functionSecurityGroup: props.clientSecurityGroup },
      placeInVpc: true,
      logRetention,
      ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
    });
    this.masterRole = setup.role;

    const logGroups = {
      slowSearch: new LogGroup(this, 'SlowSearchLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      slowIndex: new LogGroup(this, 'SlowIndexLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      app: new LogGroup(this, 'AppLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    };
    // A native AWS::Logs::ResourcePolicy instead of the Domain's custom resource, scoped to this domain.
    const logsPolicy = new ResourcePolicy(this, 'LogsPolicy', {
      policyStatements: [
        new PolicyStatement({
          principals: [new ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: Object.values(logGroups).map((g) => g.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': domainArn } },
        }),
      ],
    });

    const subnets = props.vpc.selectSubnets({ ...props.subnets, onePerAz: true }).subnets.slice(0, zones);
    if (subnets.length < zones) throw new Error(`${this.node.path}: zone awareness over ${zones} zones needs a subnet in each, the selection has ${subnets.length}`);
    const domain = new Domain(this, 'Domain', {
      domainName,
      version: EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes,
        dataNodeInstanceType: dataNodeType,
        masterNodes,
        ...(masterNodes > 0 ? { masterNodeInstanceType: props.masterNodeType ?? 'm7g.large.search' } : {}),
        // Multi-AZ with standby wants three copies of every shard (the index asks for one replica).
        multiAzWithStandbyEnabled: false,
      },
      ebs: { volumeSize: volumeGb, volumeType: EbsDeviceVolumeType.GP3 },
      zoneAwareness: { enabled: true, availabilityZoneCount: zones },
      vpc: props.vpc,
      vpcSubnets: [{ subnets }],
      securityGroups: [securityGroup],
      encryptionAtRest: { enabled: true },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: TLSSecurityPolicy.TLS_1_2_PFS,
      fineGrainedAccessControl: { masterUserArn: setup.role.roleArn },
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: logGroups.slowSearch,
        slowIndexLogEnabled: true,
        slowIndexLogGroup: logGroups.slowIndex,
        appLogEnabled: true,
        appLogGroup: logGroups.app,
      },
      suppressLogsResourcePolicy: true,
      enableVersionUpgrade: true,
      offPeakWindowEnabled: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    domain.node.addDependency(logsPolicy);

    // The access policy as plain CloudFormation (see the class comment for why the domain is named).
    const statements = [
      new PolicyStatement({
        sid: 'MasterUser',
        principals: [new ArnPrincipal(setup.role.roleArn)],
        actions: [...SEARCH_WRITE_ACTIONS],
        resources: [`${domainArn}/*`],
      }),
    ];
    if (byAccess.write.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'IndexWriters',
          principals: byAccess.write.map((r) => new ArnPrincipal(r.roleArn)),
          actions: [...SEARCH_WRITE_ACTIONS],
          resources: [`${domainArn}/${indexName}`, `${domainArn}/${indexName}/*`],
        }),
      );
    }
    if (byAccess.read.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'IndexReaders',
          principals: byAccess.read.map((r) => new ArnPrincipal(r.roleArn)),
          actions: [...SEARCH_READ_ACTIONS],
          resources: [`${domainArn}/${indexName}/_search`],
        }),
      );
    }
    const cfnDomain = domain.node.defaultChild as CfnDomain;
    cfnDomain.accessPolicies = new PolicyDocument({ statements });
    this.domain = domain;

    Validations.of(domain).acknowledge({
      id: 'AwsSolutions-OS3',
      reason:
        'A VPC domain cannot use IP-based access policies; it is reached only through its security group (functions only, ' +
        'port 443), and its access policy names IAM roles, each limited to its methods and paths.',
    });
    if (masterNodes === 0) {
      Validations.of(domain).acknowledge({
        id: 'AwsSolutions-OS4',
        reason: 'Dedicated cluster-manager nodes only outside production: a small stage runs two data nodes, which elect ' + 'their own manager; production (prod) has three dedicated ones.',
      });
    }

    const setupProperties: SearchSetupProperties = {
      IndexName: indexName,
      Roles: {
        [SEARCH_ROLE_NAMES.read]: {
          description: 'Catalog search functions: query the catalog index',
          cluster_permissions: ['cluster_composite_ops_ro'],
          index_permissions: [{ index_patterns: [`${indexName}*`], allowed_actions: ['read'] }],
        },
        [SEARCH_ROLE_NAMES.write]: {
          description: 'Catalog indexer: write documents of the catalog index (no index creation or deletion)',
          cluster_permissions: ['indices:data/write/bulk'],
          index_permissions: [{ index_patterns: [`${indexName}*`], allowed_actions: ['crud', 'indices:admin/get'] }],
        },
      },
      RoleMappings: {
        [SEARCH_ROLE_NAMES.read]: { backend_roles: byAccess.read.map((r) => r.roleArn) },
        [SEARCH_ROLE_NAMES.write]: { backend_roles: byAccess.write.map((r) => r.roleArn) },
      },
    };
    const url = `https://${domain.domainEndpoint}`;
    setup.function.addEnvironment('OPENSEARCH_ENDPOINT', url).addEnvironment('OPENSEARCH_INDEX', indexName);
    new CustomResource(this, 'Setup', {
      serviceToken: setup.function.functionArn,
      resourceType: 'Custom::SearchSetup',
      properties: { ...setupProperties, DomainEndpoint: domain.domainEndpoint },
    });

    this.resource = { url, indexName, domainArn: domain.domainArn, clients };
  }

  private validate(props: SearchProps, v: { zones: number; dataNodes: number; masterNodes: number; volumeGb: number; indexName: string; dataNodeType: string }): void {
    const where = this.node.path;
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(props.stage)) throw new Error(`${where}: stage "${props.stage}" cannot name a domain (catalog-<stage>, 28 characters at most)`);
    if (v.zones !== 2 && v.zones !== 3) throw new Error(`${where}: zones must be 2 or 3, got ${v.zones}`);
    if (!Number.isInteger(v.dataNodes) || v.dataNodes < v.zones || v.dataNodes % v.zones !== 0) {
      throw new Error(`${where}: dataNodes must be a multiple of the ${v.zones} zones (one replica per zone), got ${v.dataNodes}`);
    }
    if (v.masterNodes !== 0 && v.masterNodes !== 3) throw new Error(`${where}: masterNodes must be 0 or 3, got ${v.masterNodes}`);
    if (!Number.isInteger(v.volumeGb) || v.volumeGb < 10) throw new Error(`${where}: volumeGb must be an integer of at least 10, got ${v.volumeGb}`);
    if (!/^[a-z][a-z0-9_-]*$/.test(v.indexName)) throw new Error(`${where}: indexName "${v.indexName}" is not a valid lowercase index name`);
    for (const type of [v.dataNodeType, props.masterNodeType]) {
      if (type !== undefined && !/^[a-z0-9]+\.[a-z0-9]+\.search$/.test(type)) throw new Error(`${where}: instance type "${type}" must look like r7g.large.search`);
    }
    if (v.dataNodeType.startsWith('t2.')) throw new Error(`${where}: ${v.dataNodeType} supports neither encryption at rest nor fine-grained access control`);
    const ids = new Set<string>();
    for (const spec of props.clients) {
      if (spec.uses.search !== 'read' && spec.uses.search !== 'write') throw new Error(`${where}: client ${spec.id} does not declare uses.search as 'read' or 'write'`);
      if (ids.has(spec.id)) throw new Error(`${where}: client ${spec.id} is listed twice`);
      ids.add(spec.id);
    }
  }
}
