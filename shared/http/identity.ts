import { ForbiddenError, UnauthorizedError } from '#shared/errors';
import type { RouteAuth } from './contract';

/**
 * The caller, from the claims that the JWT authorizer verified (API Gateway in AWS, the
 * local gateway locally). API Gateway hands array claims over as strings such as
 * `[admin staff]`, and Cognito names groups `cognito:groups` and custom attributes
 * `custom:shops`; all of these forms are accepted.
 */
export interface Identity {
  readonly sub: string;
  readonly groups: readonly string[];
  readonly shops: readonly string[];
}

type Claims = Readonly<Record<string, unknown>>;

export function parseListClaim(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  const text = String(value).trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // API Gateway's own `[a b]` form is not JSON: split it below.
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

export function identityFromClaims(claims: Claims | undefined): Identity | undefined {
  if (!claims) return undefined;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.length === 0) return undefined;
  return {
    sub,
    groups: parseListClaim(claims.groups ?? claims['cognito:groups']),
    shops: parseListClaim(claims.shops ?? claims['custom:shops']),
  };
}

/** Refuses the request unless the identity satisfies the route's `auth` for this shop. */
export function authorize(auth: RouteAuth, identity: Identity | undefined, shopId: string | undefined): void {
  if (auth === 'public' || auth === 'signed') return;
  if (!identity) throw new UnauthorizedError('A valid bearer token is required: send `Authorization: Bearer <token>`.');
  if (auth === 'customer') return;
  if (auth === 'operator') {
    if (!identity.groups.includes('operator')) {
      throw new ForbiddenError('This route is for platform operators: the token is not in group `operator`.');
    }
    return;
  }
  if (!identity.groups.includes('admin')) {
    throw new ForbiddenError('This route is for shop staff: the token is not in group `admin`.');
  }
  if (shopId !== undefined && !identity.shops.includes(shopId)) {
    throw new ForbiddenError(`The token may not manage shop \`${shopId}\`.`);
  }
}
