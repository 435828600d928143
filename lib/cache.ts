import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import { type ISecurityGroup, type IVpc, Port, SecurityGroup, type SubnetSelection, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** How a function reaches Redis: what its environment and grants are made of. */
export interface RedisEndpoint {
  /** Configuration endpoint of the cluster (cluster mode enabled). */
  readonly host: string;
  readonly port: number;
  /** Secret whose SecretString is the AUTH token. */
  readonly authSecret: ISecret;
  /** ARN of the replication group (for describe permissions). */
  readonly replicationGroupArn: string;
}

export interface CacheProps {
  readonly vpc: IVpc;
  /** Security groups allowed to connect (the functions'); nothing else can reach the port. */
  readonly clientSecurityGroups: readonly ISecurityGroup[];
  /** @default the VPC's isolated subnets */
  readonly subnets?: SubnetSelection;
  /** @default 'cache.t4g.small' */
  readonly nodeType?: string;
  /**
   * Shards (node groups). Keys carry a per-shop hash tag (`inv:{shop}:sku`), so one shop's keys
   * stay in one slot and a multi-key Lua script never crosses shards.
   * @default 1
   */
  readonly shards?: number;
  /** Replicas per shard; at least one, for multi-AZ automatic failover. @default 1 */
  readonly replicasPerShard?: number;
  /** @default 6379 */
  readonly port?: number;
  /** @default '7.1' */
  readonly engineVersion?: string;
  /** Days of daily snapshots (0 disables them). @default 1 */
  readonly snapshotRetentionDays?: number;
  /** Retention of the slow log. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * ElastiCache for Redis (L1 only: there is no L2): cluster mode enabled, TLS in transit,
 * an AUTH token generated into Secrets Manager, encryption at rest, multi-AZ with automatic
 * failover, in isolated subnets behind a security group that admits only the given clients.
 */
export class Cache extends Construct {
  readonly endpoint: RedisEndpoint;
  readonly securityGroup: ISecurityGroup;
  readonly replicationGroup: CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const shards = props.shards ?? 1;
    const replicasPerShard = props.replicasPerShard ?? 1;
    const port = props.port ?? 6379;
    const snapshotRetentionDays = props.snapshotRetentionDays ?? 1;
    const engineVersion = props.engineVersion ?? '7.1';
    this.validate(props, { shards, replicasPerShard, port, snapshotRetentionDays, engineVersion });

    const authSecret = new Secret(this, 'AuthToken', {
      description: 'AUTH token of the Redis cluster',
      // ElastiCache accepts 16-128 printable characters without / " @ or spaces.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(authSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating a Redis AUTH token takes a ModifyReplicationGroup ROTATE then SET sequence coordinated with ' +
        'every client; Secrets Manager has no managed rotation for it. Rotation is a planned runbook, not a schedule.',
    });

    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Redis: reachable only from the function security group',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      securityGroup.addIngressRule(client, Port.tcp(port), 'Redis (TLS) from functions');
    }

    const subnetGroup = new CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets of the Redis cluster',
      subnetIds: props.vpc.selectSubnets(props.subnets ?? { subnetType: SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });

    const slowLog = new LogGroup(this, 'SlowLog', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const replicationGroup = new CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Inventory gate, page cache, flash-sale tickets and rate limits',
      engine: 'redis',
      engineVersion,
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      clusterMode: 'enabled',
      cacheParameterGroupName: `default.redis${engineVersion.split('.')[0]}.cluster.on`,
      numNodeGroups: shards,
      replicasPerNodeGroup: replicasPerShard,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: authSecret.secretValue.unsafeUnwrap(),
      port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: snapshotRetentionDays,
      ...(snapshotRetentionDays > 0 ? { snapshotWindow: '03:00-04:00' } : {}),
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
    Validations.of(replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason: 'The standard port 6379 is kept on purpose: a non-default port adds no protection here, where only the ' + 'function security group can reach the cluster, over TLS, with an AUTH token.',
    });

    this.securityGroup = securityGroup;
    this.replicationGroup = replicationGroup;
    this.endpoint = {
      host: replicationGroup.attrConfigurationEndPointAddress,
      port,
      authSecret,
      replicationGroupArn: Stack.of(this).formatArn({
        service: 'elasticache',
        resource: 'replicationgroup',
        resourceName: replicationGroup.ref,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    };
  }

  private validate(props: CacheProps, v: { shards: number; replicasPerShard: number; port: number; snapshotRetentionDays: number; engineVersion: string }): void {
    const where = this.node.path;
    if (props.clientSecurityGroups.length === 0) throw new Error(`${where}: clientSecurityGroups is empty, so nothing could reach Redis`);
    if (!Number.isInteger(v.shards) || v.shards < 1 || v.shards > 500) throw new Error(`${where}: shards must be an integer from 1 to 500, got ${v.shards}`);
    if (!Number.isInteger(v.replicasPerShard) || v.replicasPerShard < 1 || v.replicasPerShard > 5) {
      throw new Error(`${where}: replicasPerShard must be 1 to 5 (multi-AZ failover needs a replica), got ${v.replicasPerShard}`);
    }
    if (!Number.isInteger(v.port) || v.port < 1024 || v.port > 65535) throw new Error(`${where}: port must be 1024-65535, got ${v.port}`);
    if (!Number.isInteger(v.snapshotRetentionDays) || v.snapshotRetentionDays < 0 || v.snapshotRetentionDays > 35) {
      throw new Error(`${where}: snapshotRetentionDays must be 0-35, got ${v.snapshotRetentionDays}`);
    }
    if (!/^[67]\.\d+$/.test(v.engineVersion)) throw new Error(`${where}: engineVersion must be a Redis 6.x or 7.x version, got "${v.engineVersion}"`);
    if (props.nodeType !== undefined && !/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(props.nodeType)) {
      throw new Error(`${where}: nodeType must look like cache.t4g.small, got "${props.nodeType}"`);
    }
    if (props.nodeType?.startsWith('cache.t2.') || props.nodeType?.startsWith('cache.t1.')) {
      throw new Error(`${where}: ${props.nodeType} supports neither automatic failover nor encryption; use t4g or larger`);
    }
  }
}
