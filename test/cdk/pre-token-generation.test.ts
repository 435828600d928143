import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { accessTokenClaims, handler } from '#functions/platform/pre-token-generation.handler';
import { ForbiddenError } from '#shared/errors';
import { authorize, identityFromClaims } from '#shared/http/identity';

/** A V2_0 event as Cognito sends it (claimsAndScopeOverrideDetails is null on the way in). */
function event(attributes: Record<string, string>, groups: string[]): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_abc',
    userName: 'user-1',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client' },
    request: {
      userAttributes: { sub: 'user-1', email: 'a@example.com', ...attributes },
      groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    response: { claimsAndScopeOverrideDetails: null as unknown as PreTokenGenerationV2TriggerEvent['response']['claimsAndScopeOverrideDetails'] },
  };
}
const invoke = async (e: PreTokenGenerationV2TriggerEvent) => (await handler(e, {} as Context, () => undefined)) as PreTokenGenerationV2TriggerEvent;

describe('pre-token generation (V2_0)', () => {
  it('copies cognito:groups and custom:shops into the access token as groups and shops', async () => {
    const result = await invoke(event({ 'custom:shops': 'shop-a, shop-b' }, ['admin', 'staff']));
    expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({
      groups: 'admin,staff',
      shops: 'shop-a,shop-b',
    });
    expect(result.response.claimsAndScopeOverrideDetails.idTokenGeneration).toBeUndefined();
  });

  it('adds nothing for a shopper without groups or shops', async () => {
    const result = await invoke(event({}, []));
    expect(result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({});
    expect(accessTokenClaims(event({ 'custom:shops': ' , ' }, []))).toEqual({});
  });

  it('produces claims that the HTTP layer reads as the admin of those shops', () => {
    const claims = accessTokenClaims(event({ 'custom:shops': 'shop-a,shop-b' }, ['admin']));
    expect(identityFromClaims({ sub: 'user-1', ...claims })).toEqual({ sub: 'user-1', groups: ['admin'], shops: ['shop-a', 'shop-b'] });
  });

  it('carries the operator group, which the HTTP layer accepts on operator routes', () => {
    const claims = accessTokenClaims(event({}, ['operator']));
    expect(claims).toEqual({ groups: 'operator' });
    const identity = identityFromClaims({ sub: 'user-1', ...claims });
    expect(() => authorize('operator', identity, undefined)).not.toThrow();
    expect(() => authorize('operator', identityFromClaims({ sub: 'user-2', groups: 'admin' }), undefined)).toThrow(ForbiddenError);
  });
});
