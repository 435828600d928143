import type { PreTokenGenerationV2TriggerEvent, PreTokenGenerationV2TriggerHandler } from 'aws-lambda';

/**
 * Cognito pre-token-generation trigger (event version V2_0). The HTTP API's JWT authorizer
 * checks ACCESS tokens, which carry neither custom attributes nor, under a name the handlers
 * read first, the groups: this copies `cognito:groups` into a `groups` claim and `custom:shops`
 * into a `shops` claim of the access token, both comma-separated (shared/http/identity.ts reads
 * either form). A user without groups or shops gets no such claim. Not an HTTP handler, so not
 * in FUNCTIONS: declared in platform.functions.ts, wired by lib/identity.ts.
 */
export function accessTokenClaims(event: PreTokenGenerationV2TriggerEvent): Record<string, string> {
  const claims: Record<string, string> = {};
  const groups = event.request.groupConfiguration.groupsToOverride ?? [];
  if (groups.length > 0) claims.groups = groups.join(',');
  const shops = (event.request.userAttributes['custom:shops'] ?? '')
    .split(',')
    .map((shop) => shop.trim())
    .filter(Boolean);
  if (shops.length > 0) claims.shops = shops.join(',');
  return claims;
}

export const handler: PreTokenGenerationV2TriggerHandler = async (event) => {
  const claimsToAddOrOverride = accessTokenClaims(event);
  event.response = {
    claimsAndScopeOverrideDetails: {
      ...event.response.claimsAndScopeOverrideDetails,
      accessTokenGeneration: {
        ...event.response.claimsAndScopeOverrideDetails?.accessTokenGeneration,
        claimsToAddOrOverride,
      },
    },
  };
  return event;
};
