import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageSettings } from './stage';
import { StatefulStack, type StatefulStackProps } from './stateful-stack';
import { deployedSpecs, type EdgeSettings, StatelessStack, type StatelessStackProps } from './stateless-stack';

/** Overrides for tests; the CDK app itself reads everything from context. */
export interface CommerceAppOptions {
  readonly stateful?: Partial<Omit<StatefulStackProps, 'settings'>>;
  readonly stateless?: Partial<Omit<StatelessStackProps, 'settings' | 'resources'>>;
  /** Register the cdk-nag AwsSolutions checks. @default true */
  readonly nag?: boolean;
}

export interface CommerceStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * The two stacks of one stage (context `stage`, default `dev`): `commerce-<stage>-stateful`
 * and `commerce-<stage>-stateless`. Environment-agnostic: account and region come from the
 * deploying credentials. Other context keys: `availabilityZones` (comma-separated),
 * `emailIdentity` and `emailFrom` (SES), `corsAllowOrigins` (comma-separated), and for the
 * distribution `edgeDomainName` (comma-separated), `edgeCertificateArn` (ACM, us-east-1) and
 * `edgeWebAclArn` (WAFv2, scope CLOUDFRONT).
 */
export function defineCommerceApp(app: App, options: CommerceAppOptions = {}): CommerceStacks {
  const settings = stageSettings(String(app.node.tryGetContext('stage') ?? 'dev'));
  const list = (key: string): string[] | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    return (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((s) => s.trim()).filter(Boolean);
  };
  const availabilityZones = list('availabilityZones');
  const emailIdentity = app.node.tryGetContext('emailIdentity') as string | undefined;
  const emailFrom = app.node.tryGetContext('emailFrom') as string | undefined;
  const corsAllowOrigins = list('corsAllowOrigins');
  const edgeDomainNames = list('edgeDomainName');
  const edgeCertificateArn = app.node.tryGetContext('edgeCertificateArn') as string | undefined;
  const edgeWebAclArn = app.node.tryGetContext('edgeWebAclArn') as string | undefined;
  const edge: EdgeSettings = {
    ...(edgeDomainNames ? { domainNames: edgeDomainNames } : {}),
    ...(edgeCertificateArn ? { certificateArn: edgeCertificateArn } : {}),
    ...(edgeWebAclArn ? { webAclArn: edgeWebAclArn } : {}),
  };

  // The search domain admits a role per function that uses it, so the stateful stack needs
  // the same list of specs that the stateless stack deploys (deduplicated by id).
  const searchClients = [
    ...new Map(
      deployedSpecs(options.stateless ?? {})
        .filter((spec) => spec.uses.search !== undefined)
        .map((spec) => [spec.id, spec]),
    ).values(),
  ];

  const prefix = `commerce-${settings.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-stateful`, {
    description: `Commerce platform (${settings.stage}): network, tables, Redis, search, queues, event bus, user pool, buckets`,
    settings,
    ...(availabilityZones ? { availabilityZones } : {}),
    searchClients,
    ...options.stateful,
  });
  const stateless = new StatelessStack(app, `${prefix}-stateless`, {
    description: `Commerce platform (${settings.stage}): functions, HTTP API, CloudFront, event rules and schedules`,
    settings,
    resources: stateful.resources,
    ...(emailIdentity || emailFrom
      ? { email: { ...(emailIdentity ? { identity: emailIdentity } : {}), ...(emailFrom ? { fromAddress: emailFrom } : {}) } }
      : {}),
    ...(corsAllowOrigins ? { corsAllowOrigins } : {}),
    edge,
    ...options.stateless,
  });
  stateless.addStackDependency(stateful);

  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('project', 'commerce');
    Tags.of(stack).add('stage', settings.stage);
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, stateless };
}
