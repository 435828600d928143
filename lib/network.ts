import { Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Port,
  type ISecurityGroup,
  type IVpc,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /**
   * Availability zones of the VPC. The stack is environment-agnostic, so by default the
   * first three zones of the deployment region are picked at deploy time (`Fn::GetAZs`);
   * give names (`eu-west-1a`...) to pin them.
   * @default the first three zones of the region
   */
  readonly availabilityZones?: readonly string[];
  /**
   * NAT gateways for the functions' egress (Stripe, SES, and AWS APIs without an endpoint).
   * One is the cheap choice (about 32 USD a month plus data, and a single-AZ egress point);
   * one per zone removes that single point of failure.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints for SQS, EventBridge and Secrets Manager, so those calls stay off the
   * NAT gateway. They cost about 7 USD a month per endpoint per zone (about 65 USD for three
   * services in three zones), more than one NAT gateway, so they pay off only in production
   * where traffic through NAT would cost more. DynamoDB always gets its free gateway endpoint.
   * @default false
   */
  readonly interfaceEndpoints?: boolean;
  /** @default '10.0.0.0/16' */
  readonly cidr?: string;
  /**
   * Which traffic the VPC flow log records. Rejected traffic is the security signal;
   * recording all traffic costs per GB ingested.
   * @default FlowLogTrafficType.REJECT
   */
  readonly flowLogTraffic?: FlowLogTrafficType;
  /** @default RetentionDays.ONE_MONTH */
  readonly flowLogRetention?: RetentionDays;
}

/**
 * The VPC of the platform: public subnets (NAT gateways only), private subnets with egress
 * for the functions that reach Redis, and isolated subnets for Redis itself. Functions that
 * don't use Redis stay outside the VPC (no cold-start or NAT cost for them).
 */
export class Network extends Construct {
  readonly vpc: IVpc;
  /** Security group of every function placed in the VPC; Redis admits only this group. */
  readonly functionSecurityGroup: ISecurityGroup;
  /** Subnets for functions: private, with egress through NAT. */
  readonly functionSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  /** Subnets for data stores: isolated, no route to the internet. */
  readonly dataSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_ISOLATED };

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const availabilityZones = props.availabilityZones ? [...props.availabilityZones] : [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
    const natGateways = props.natGateways ?? 1;
    validate(this, availabilityZones, natGateways, props.cidr);

    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      availabilityZones,
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        // Lambda takes one ENI per subnet and security group (Hyperplane), but leave room.
        { name: 'functions', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: props.flowLogTraffic ?? FlowLogTrafficType.REJECT,
    });

    vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [this.functionSubnets],
    });
    const functionSecurityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc,
      description: 'Lambda functions in the VPC (the only clients Redis admits)',
      // Functions call AWS APIs and Stripe over HTTPS and Redis on its port.
      allowAllOutbound: true,
    });
    this.functionSecurityGroup = functionSecurityGroup;

    if (props.interfaceEndpoints ?? false) {
      // Only the functions use the endpoints: admit them rather than the whole VPC range.
      const endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc,
        description: 'Interface endpoints: HTTPS from the functions only',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(functionSecurityGroup, Port.tcp(443), 'HTTPS from functions');
      const services = {
        SqsEndpoint: InterfaceVpcEndpointAwsService.SQS,
        EventBridgeEndpoint: InterfaceVpcEndpointAwsService.EVENTBRIDGE,
        SecretsManagerEndpoint: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      };
      for (const [endpointId, service] of Object.entries(services)) {
        vpc.addInterfaceEndpoint(endpointId, {
          service,
          subnets: this.functionSubnets,
          privateDnsEnabled: true,
          securityGroups: [endpointSecurityGroup],
          open: false,
        });
      }
    }

    this.vpc = vpc;
  }
}

function validate(scope: Construct, zones: readonly string[], natGateways: number, cidr: string | undefined): void {
  const where = scope.node.path;
  if (zones.length < 2 || zones.length > 6) {
    throw new Error(`${where}: availabilityZones needs 2 to 6 zones (Redis multi-AZ needs two), got ${zones.length}`);
  }
  const literal = zones.filter((z) => !Token.isUnresolved(z));
  if (new Set(literal).size !== literal.length) {
    throw new Error(`${where}: availabilityZones has duplicates: ${literal.join(', ')}`);
  }
  if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > zones.length) {
    throw new Error(`${where}: natGateways must be an integer from 1 to the number of zones (${zones.length}), got ${natGateways}; ` + 'functions in the VPC need egress for Stripe and SES');
  }
  if (cidr !== undefined && !/^\d{1,3}(\.\d{1,3}){3}\/(1[6-8])$/.test(cidr)) {
    throw new Error(`${where}: cidr must be an IPv4 block from /16 to /18 (three /20 function subnets must fit), got "${cidr}"`);
  }
}
