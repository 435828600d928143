import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '#functions/registry';
import { ROUTES, routeKey } from '#functions/routes';
import { streamTicketContract } from '#shared/flash-sales/flash-sales.schema';
import { actionsOf, buildStacks, logicalIdOf, statementsOf } from './support';

/**
 * A ticket's server-sent events in AWS: the stream function's URL in RESPONSE_STREAM mode (IAM
 * auth), the CloudFront behaviour that signs requests to it (origin access control) before every
 * other behaviour, no API Gateway route for it, and the stream token secret given to exactly the
 * functions that sign or verify tokens.
 */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const STREAM_PATTERN = '/v1/shops/*/flash-sales/*/entries/*/events';

let stateless: Template;
let stateful: Template;
let edge: Template;

beforeAll(() => {
  const stacks = buildStacks();
  stateless = stacks.statelessTemplate();
  stateful = stacks.statefulTemplate();
  edge = stacks.templateOf('edge');
});

describe('ticket streams in AWS', () => {
  it('gives the stream function a function URL in RESPONSE_STREAM mode that only IAM (CloudFront) may call, and a timeout past the stream', () => {
    const fn = logicalIdOf(stateless, 'AWS::Lambda::Function', `/Functions/${FUNCTIONS.streamFlashSaleTicket.id}/`);
    stateless.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', TargetFunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] } });
    expect(Object.keys(stateless.findResources('AWS::Lambda::Url'))).toHaveLength(1);
    const props = (stateless.toJSON().Resources as Record<string, { Properties: { Timeout: number; MemorySize: number; Environment: { Variables: Record<string, unknown> } } }>)[fn]!.Properties;
    expect(props).toMatchObject({ Timeout: 150, MemorySize: 256 });
    expect(Object.keys(props.Environment.Variables)).toEqual(expect.arrayContaining(['STREAM_TOKEN_SECRET_ARN', 'REDIS_HOST']));
  });

  it('serves the stream route from the function URL only: no API Gateway route or route settings', () => {
    const route = ROUTES.find((r) => r.contract.operationId === streamTicketContract.operationId)!;
    expect(route.responseStreaming).toBe(true);
    const keys = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
    expect(keys).not.toContain(routeKey(route));
    expect(keys.length).toBe(ROUTES.length); // every other route, plus $default
    const stage = Object.values(edge.findResources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: { RouteSettings: Record<string, unknown> } };
    expect(Object.keys(stage.Properties.RouteSettings)).not.toContain(routeKey(route));
  });

  it('puts the stream behaviour first: uncached, uncompressed, the token and Last-Event-ID forwarded, to the function URL through origin access control', () => {
    const distribution = Object.values(edge.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: { DistributionConfig: { CacheBehaviors: Array<Record<string, unknown>>; Origins: Array<Record<string, any>> } };
    };
    const config = distribution.Properties.DistributionConfig;
    const behavior = config.CacheBehaviors[0]!;
    expect(behavior).toMatchObject({
      PathPattern: STREAM_PATTERN,
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      Compress: false,
      ViewerProtocolPolicy: 'https-only',
    });
    expect(behavior).not.toHaveProperty('FunctionAssociations');
    const origin = config.Origins.find((o) => o.Id === behavior.TargetOriginId)!;
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginReadTimeout: 30 });
    edge.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { OriginAccessControlOriginType: 'lambda', SigningBehavior: 'always', SigningProtocol: 'sigv4' } });
    // The distribution alone may invoke the URL (both permissions that function URLs with OAC need).
    for (const action of ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction']) {
      edge.hasResourceProperties('AWS::Lambda::Permission', { Action: action, Principal: 'cloudfront.amazonaws.com', SourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    }
  });

  it('keeps the stream token secret in Secrets Manager, readable by the entry and stream functions only', () => {
    stateful.hasResourceProperties('AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('stream tokens'), GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) });
    const readers = Object.values(FUNCTIONS)
      .filter((spec) => statementsOf(stateless, spec.id).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes('StreamTokenSecret')))
      .map((spec) => spec.id)
      .sort();
    expect(readers).toEqual([FUNCTIONS.enterFlashSale.id, FUNCTIONS.streamFlashSaleTicket.id].sort());
  });
});
