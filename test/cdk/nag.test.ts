import { Stack, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { EventRule, EventSourceMapping, Schedule } from '#functions/events';
import type { FunctionSpec } from '#functions/registry';
import { WEB_BUCKET_KEYS_ACKNOWLEDGEMENT } from '#lib/web-apps';
import { buildStacks } from './support';

const worker: FunctionSpec = {
  id: 'Worker',
  entry: 'functions/flash-sales/sample-worker.handler.ts',
  description: 'sample consumer',
  uses: { queues: { flashSaleEntries: 'consume' }, streams: ['orders'], redis: true, email: true, payments: true },
};
const eventRules: EventRule[] = [{ id: 'SampleRule', description: 'sample', pattern: { source: ['commerce.orders'] }, targets: [worker] }];
const schedules: Schedule[] = [{ id: 'SampleSchedule', description: 'sample', everyMinutes: 5, target: worker }];
const eventSourceMappings: EventSourceMapping[] = [
  { id: 'SampleQueue', kind: 'sqs', queue: 'flashSaleEntries', target: worker, batchSize: 10 },
  { id: 'SampleStream', kind: 'dynamodbStream', table: 'orders', target: worker, batchSize: 100, retryAttempts: 3 },
];

const ACKNOWLEDGED_RULES = [
  'AwsSolutions-AEC5', // Redis on 6379
  'AwsSolutions-APIG4', // public, signed and $default routes
  'AwsSolutions-CFR1', // no geo restriction: the shops sell worldwide
  'AwsSolutions-CFR2', // no WAF web ACL yet (CloudFront ACLs live in us-east-1; passed by context when one exists)
  'AwsSolutions-CFR4', // default *.cloudfront.net certificate unless a custom domain and certificate are given
  'AwsSolutions-COG2', // MFA optional for shoppers
  // Only on the functions CDK provides for the web apps' upload and the web client's update (see acknowledgeProvidedFunctions):
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  'AwsSolutions-IAM5[Action::s3:GetObject*]',
  'AwsSolutions-IAM5[Action::s3:GetBucket*]',
  'AwsSolutions-IAM5[Action::s3:List*]',
  'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
  'AwsSolutions-IAM5[Action::s3:Abort*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
  'AwsSolutions-IAM5[Resource::*]', // X-Ray, VPC ENIs, ListStreams, SES account reads
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]', // no SES identity configured
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target/*]', // flash sales' scheduled actions: target ARNs are not in the template
  'AwsSolutions-L1', // nodejs22.x pinned
  'AwsSolutions-OS3', // VPC domain: no IP-based policy possible; security group plus IAM principals
  'AwsSolutions-OS4', // no dedicated cluster-manager nodes outside production
  'AwsSolutions-S1', // the access-log bucket does not log into itself
  'AwsSolutions-SMG4', // Redis AUTH token, Stripe keys, carrier and warehouse webhook secrets: rotated with the other party
  'AwsSolutions-SQS3', // queues that are themselves DLQs
];

/** Acknowledgements that production must not need. */
const NOT_IN_PRODUCTION = ['AwsSolutions-OS4'];

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string; construct: IConstruct }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: construct.node.path, id, reason, construct })),
  );
}

const CONFIGURED = { emailIdentity: 'shop.example.com', emailFrom: 'orders@shop.example.com', warehouseUrl: 'https://wms.example.com/orders' };

describe.each([
  { name: 'dev, definition files as they are', stage: 'dev', wiring: {}, context: {} },
  { name: 'prod, with sample rules, schedules and mappings', stage: 'prod', wiring: { eventRules, schedules, eventSourceMappings }, context: {} },
  { name: 'staging, with an SES identity, a From address and the warehouse', stage: 'staging', wiring: {}, context: CONFIGURED },
])('cdk-nag AwsSolutions: $name', ({ stage, wiring, context }) => {
  const stacks = buildStacks({ nag: true, stateless: wiring }, { stage, ...context });

  it('synthesizes with the checks and CloudFormation validation, without a violation', () => {
    // In memory, synth throws the validation report when any plugin reports a violation.
    expect(() => stacks.app.synth()).not.toThrow();
    const report = new AwsSolutionsChecks().validateScope(stacks.app);
    const violations = report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(violations).toEqual([]);
  });

  it('leaves no error or warning annotation', () => {
    const assembly = stacks.app.synth();
    for (const stack of [stacks.stateful, ...stacks.stateless]) {
      const messages = assembly.getStackArtifact(stack.artifactId).messages;
      const problems = messages.filter((m) => m.level === 'error' || m.level === 'warning').map((m) => `${m.id}: ${String(m.entry.data)}`);
      expect(problems).toEqual([]);
    }
  });

  it('acknowledges rules on individual constructs only, each with a reason', () => {
    // Only our own acknowledgements (the CDK acknowledges some CloudFormation-Validate warnings itself).
    const acks = acknowledgements(stacks.app).filter((a) => a.id.replace(/^annotation::/i, '').startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(Stack.isStack(ack.construct) || Stage.isStage(ack.construct), `${ack.id} at ${ack.path}`).toBe(false);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
    }
    // A new kind of acknowledgement is a decision: add it here and to the report.
    const ruleIds = new Set(acks.map((a) => a.id.replace(/^annotation::/i, '')));
    for (const id of ruleIds) if (!WEB_BUCKET_KEYS_ACKNOWLEDGEMENT.test(id)) expect(ACKNOWLEDGED_RULES).toContain(id);
    if (stage === 'prod') for (const id of NOT_IN_PRODUCTION) expect(ruleIds.has(id), id).toBe(false);
  });
});
