import { resolve } from 'node:path';
import { type App, type Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { WebSignInProps } from './identity';
import { stageSettings } from './stage';
import { StatefulStack, type StatefulStackProps } from './stateful-stack';
import { defineStatelessStacks, deployedSpecs, type EdgeSettings, type StatelessProps, type StatelessStacks } from './stateless-stacks';

/** Overrides for tests; the CDK app itself reads everything from context. */
export interface CommerceAppOptions {
  readonly stateful?: Partial<Omit<StatefulStackProps, 'settings'>>;
  readonly stateless?: Partial<StatelessProps>;
  /** Register the cdk-nag AwsSolutions checks. @default true */
  readonly nag?: boolean;
}

export interface CommerceStacks extends StatelessStacks {
  readonly stateful: StatefulStack;
  /** Every stateless stack, in deployment order (see defineStatelessStacks). */
  readonly stateless: readonly Stack[];
}

/**
 * The stacks of one stage (context `stage`, default `dev`): `commerce-<stage>-stateful` and the
 * stateless stacks built on it, `commerce-<stage>-api`, one per context (`-catalog`,
 * `-inventory`, `-checkout`, `-orders`, `-flash-sales`, `-notifications`, `-platform`), `-edge`
 * and `-monitoring` (see defineStatelessStacks). Environment-agnostic: account and region come from the
 * deploying credentials. Other context keys:
 * - `availabilityZones` (comma-separated);
 * - `emailIdentity`: a domain or address that the stateful stack creates and verifies in SES
 *   (publish the DKIM records of its outputs); it must not exist in the account yet, unless
 *   `emailIdentityExists=true` says it was verified by hand (then it is used, not created).
 *   Without it, functions may send as any identity verified in the account and region;
 * - `emailFrom`: the From address of customer emails (SES_FROM_ADDRESS), within the identity;
 *   defaults to `emailIdentity` when that is an address. Without one, the functions that send
 *   email fail with a ConfigError naming SES_FROM_ADDRESS;
 * - `warehouseUrl`: the https endpoint of the warehouse (WMS) that confirmed orders are POSTed
 *   to (WAREHOUSE_URL). Without it the stage deploys, but the hand-over function fails every
 *   invocation with a ConfigError naming WAREHOUSE_URL; the orders wait in its failure queue
 *   and can be redriven once the stage is redeployed with the URL. The signing secret is
 *   generated in the stateful stack (output WarehouseSecretArn): give its value to the WMS;
 * - `corsAllowOrigins` (comma-separated);
 * - for the distribution, `edgeDomainName` (comma-separated), `edgeCertificateArn` (ACM,
 *   us-east-1) and `edgeWebAclArn` (WAFv2, scope CLOUDFRONT);
 * - for the web apps: `storefrontShop`, the shop the storefront sells and the console manages
 *   (default `demo`; written into /config.json); `webDist`, the built apps (default web/dist, which bin/app.ts builds when
 *   it is missing); `webLocalCallback=true` also admits http://localhost:3000/auth/callback as
 *   a sign-in callback (a web app run by hand against the stage); `signInDomainPrefix`, the
 *   Cognito domain prefix (default `commerce-<stage>-<account id>`). The callback URLs are on
 *   the custom domains (`edgeDomainName`) when given, else on the distribution's own domain;
 * - `alarmEmail`: an address subscribed by email to the monitoring stack's Alarms topic (output
 *   AlarmsTopicArn), which every alarm of the stage notifies: a message in any dead-letter
 *   queue, errors of the flash-sale worker, 5xx answers of flash-sale entries (Redis gate
 *   unreachable). The address must confirm the subscription from SNS's first email. Without
 *   it, the alarms still change state, but nobody hears of them until someone subscribes to
 *   the topic (email, chat or paging tool) by hand.
 *
 * After the first deploy, an operator sets the Stripe keys (output StripeSecretArn, JSON
 * `{"secretKey":"sk_...","webhookSecret":"whsec_..."}`) and the carriers' webhook secrets
 * (output CarrierWebhookSecretsArn, JSON by carrier name).
 */
export function defineCommerceApp(app: App, options: CommerceAppOptions = {}): CommerceStacks {
  const settings = stageSettings(String(app.node.tryGetContext('stage') ?? 'dev'));
  const list = (key: string): string[] | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    return (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((s) => s.trim()).filter(Boolean);
  };
  const availabilityZones = list('availabilityZones');
  const text = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === '' ? undefined : String(value).trim();
  };
  const emailIdentity = text('emailIdentity');
  const emailFrom = text('emailFrom') ?? (emailIdentity?.includes('@') ? emailIdentity : undefined);
  const emailIdentityExists = text('emailIdentityExists') === 'true';
  const warehouseUrl = text('warehouseUrl');
  const corsAllowOrigins = list('corsAllowOrigins');
  const alarmEmail = text('alarmEmail');
  const edgeDomainNames = list('edgeDomainName');
  const edgeCertificateArn = app.node.tryGetContext('edgeCertificateArn') as string | undefined;
  const edgeWebAclArn = app.node.tryGetContext('edgeWebAclArn') as string | undefined;
  const webDist = text('webDist');
  const storefrontShop = text('storefrontShop');
  const signInDomainPrefix = text('signInDomainPrefix');
  const webSignIn: WebSignInProps = {
    ...(edgeDomainNames ? { origins: edgeDomainNames.map((domain) => `https://${domain}`) } : {}),
    localCallback: text('webLocalCallback') === 'true',
    ...(signInDomainPrefix ? { domainPrefix: signInDomainPrefix } : {}),
  };
  const edge: EdgeSettings = {
    ...(edgeDomainNames ? { domainNames: edgeDomainNames } : {}),
    ...(edgeCertificateArn ? { certificateArn: edgeCertificateArn } : {}),
    ...(edgeWebAclArn ? { webAclArn: edgeWebAclArn } : {}),
  };

  // The search domain admits a role per function that uses it, so the stateful stack needs
  // the same list of specs that the stateless stacks deploy (deduplicated by id).
  const searchClients = [
    ...new Map(
      deployedSpecs(options.stateless ?? {})
        .filter((spec) => spec.uses.search !== undefined)
        .map((spec) => [spec.id, spec]),
    ).values(),
  ];

  const prefix = `commerce-${settings.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-stateful`, {
    description: `Commerce platform (${settings.stage}): network, tables, Redis, search, queues, event bus, user pool, buckets, secrets, email`,
    settings,
    ...(availabilityZones ? { availabilityZones } : {}),
    searchClients,
    ...(emailIdentity ? { emailIdentity, emailIdentityExists } : {}),
    webSignIn,
    ...options.stateful,
  });
  const stateless = defineStatelessStacks(app, prefix, {
    settings,
    resources: stateful.resources,
    stateful,
    ...(emailFrom ? { email: { fromAddress: emailFrom } } : {}),
    ...(warehouseUrl ? { warehouseUrl } : {}),
    ...(corsAllowOrigins ? { corsAllowOrigins } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(webDist ? { webDist: resolve(webDist) } : {}),
    ...(storefrontShop ? { storefrontShop } : {}),
    edge,
    ...options.stateless,
  });

  for (const stack of [stateful, ...stateless.all]) {
    Tags.of(stack).add('project', 'commerce');
    Tags.of(stack).add('stage', settings.stage);
  }
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, ...stateless, stateless: stateless.all };
}
