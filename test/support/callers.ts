import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import type { Route } from '#functions/routes';
import { requiresToken } from '#shared/http/contract';
import { signCarrierBody } from '#shared/webhooks/carrier-signature';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, signLocalToken } from '../../bin/local/local-jwt';

/**
 * The callers of the auth matrix, and what each may expect of a route, derived from the
 * route's declared `auth` alone (shared/http/contract.ts), so a new route is covered the
 * moment it is in the table.
 */
export interface CallerIdentity {
  readonly sub: string;
  readonly groups: readonly string[];
  /** Shop keys resolved by the world: `own` is the world's shop, `other` another tenant. */
  readonly shops: ReadonlyArray<'own' | 'other'>;
}

export interface Caller {
  readonly name: string;
  /** The identity a valid token carries; undefined for callers without a valid token. */
  readonly identity?: CallerIdentity;
  /** How the token is made: valid, signed with the wrong key, expired, or none. */
  readonly token: 'none' | 'valid' | 'forged' | 'expired';
}

/** The most privileged claims there are: a forged or expired token must be refused for its signature or age alone. */
const EVERYTHING: CallerIdentity = { sub: 'mallory', groups: ['admin', 'operator'], shops: ['own', 'other'] };

export const OWNER_SUB = 'alice';

export const CALLERS: readonly Caller[] = [
  { name: 'no token', token: 'none' },
  { name: 'forged token (wrong key)', token: 'forged', identity: EVERYTHING },
  { name: 'expired token', token: 'expired', identity: EVERYTHING },
  { name: 'customer', token: 'valid', identity: { sub: OWNER_SUB, groups: [], shops: [] } },
  { name: "customer asking for another customer's resource", token: 'valid', identity: { sub: 'bob', groups: [], shops: [] } },
  { name: 'admin of another shop', token: 'valid', identity: { sub: 'rival-staff', groups: ['admin'], shops: ['other'] } },
  { name: 'admin of the shop', token: 'valid', identity: { sub: 'staff', groups: ['admin'], shops: ['own'] } },
  { name: 'operator', token: 'valid', identity: { sub: 'ops', groups: ['operator'], shops: [] } },
];

export interface TokenContext {
  readonly secret: string;
  readonly shops: { readonly own: string; readonly other: string };
}

/** The `Authorization` header of a caller (none for `no token`). */
export async function authorizationOf(caller: Caller, context: TokenContext): Promise<Record<string, string>> {
  if (caller.token === 'none' || !caller.identity) return {};
  const claims = { sub: caller.identity.sub, groups: caller.identity.groups, shops: caller.identity.shops.map((key) => context.shops[key]) };
  const token =
    caller.token === 'valid'
      ? await signLocalToken(claims, context.secret)
      : caller.token === 'forged'
        ? await signLocalToken(claims, `${context.secret}-not-really`)
        : await expiredToken(claims, context.secret);
  return { authorization: `Bearer ${token}` };
}

async function expiredToken(claims: { sub: string; groups: readonly string[]; shops: readonly string[] }, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ groups: [...claims.groups], shops: [...claims.shops] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(now - 7_200)
    .setExpirationTime(now - 3_600)
    .sign(createSecretKey(Buffer.from(secret, 'utf8')));
}

/**
 * What a caller gets from a route:
 * - `admitted`: past authentication and authorization (the route's own answer);
 * - a refusal: 401 without a valid token (or signature), 403 outside the route's group or
 *   shop, 404 for a customer's resource asked for by anyone else (it does not exist for them).
 */
export type Expectation = { readonly kind: 'admitted' } | { readonly kind: 'refused'; readonly status: 401 | 403 | 404; readonly code: string };

const unauthorized = { kind: 'refused', status: 401, code: 'unauthorized' } as const;
const forbidden = { kind: 'refused', status: 403, code: 'forbidden' } as const;
const hidden = { kind: 'refused', status: 404, code: 'not_found' } as const;
const admitted = { kind: 'admitted' } as const;

/**
 * @param owners the customer owning each path parameter's resource, when it is one (`orderId` -> alice)
 */
export function expectationFor(route: Route, caller: Caller, owners: ReadonlyMap<string, string>): Expectation {
  // Webhooks take no token: a request without a valid signature is refused whoever sends it.
  if (route.auth === 'signed') return { kind: 'refused', status: 401, code: 'invalid_signature' };
  if (route.auth === 'public') return admitted;
  if (!requiresToken(route.auth)) throw new Error(`${route.method} ${route.path}: unknown auth ${String(route.auth)}; teach test/support/callers.ts what it means`);
  if (caller.token !== 'valid' || !caller.identity) return unauthorized;
  const { identity } = caller;
  switch (route.auth) {
    case 'operator':
      return identity.groups.includes('operator') ? admitted : forbidden;
    case 'admin':
      // A route without a shop in its path admits any admin (authorize() has no shop to check).
      return identity.groups.includes('admin') && (!route.path.includes('{shopId}') || identity.shops.includes('own')) ? admitted : forbidden;
    case 'customer': {
      const owned = pathParameters(route).filter((name) => owners.has(name));
      return owned.every((name) => owners.get(name) === identity.sub) ? admitted : hidden;
    }
  }
}

/** The names of a route's path parameters, in order: `/v1/shops/{shopId}/orders/{orderId}` -> shopId, orderId. */
export function pathParameters(route: Pick<Route, 'path'>): string[] {
  return [...route.path.matchAll(/\{([A-Za-z0-9_]+)\+?\}/g)].map((m) => m[1]!);
}

/** The caller a route admits, for requests that must get past authorization (the fuzz, the webhook checks). */
export function admittedCaller(route: Route, owners: ReadonlyMap<string, string>): Caller {
  const caller = CALLERS.find((c) => c.token !== 'none' && expectationFor(route, c, owners).kind === 'admitted') ?? CALLERS[0]!;
  return route.auth === 'public' || route.auth === 'signed' ? CALLERS[0]! : caller;
}

/**
 * Signers of the webhook routes (auth `signed`), by operationId: the headers that a genuine
 * sender puts on a raw body. A new signed route needs its signer here (the matrix says so).
 */
export const WEBHOOK_SIGNERS: Readonly<Record<string, (rawBody: string, secrets: Readonly<Record<string, string>>) => Record<string, string>>> = {
  stripeWebhook: (rawBody, env) => ({ 'stripe-signature': new Stripe('sk_test_local').webhooks.generateTestHeaderString({ payload: rawBody, secret: env.STRIPE_WEBHOOK_SECRET! }) }),
  carrierWebhook: (rawBody, env) => ({ 'x-signature': signCarrierBody(rawBody, env.LOCAL_CARRIER_SECRET ?? 'local-carrier-secret') }),
};

/** Signatures a forger can make of a body, in every webhook's header: none, garbage, and made with the wrong secret. */
export function forgedSignatures(rawBody: string): Record<string, string>[] {
  const wrong = { STRIPE_WEBHOOK_SECRET: 'whsec_forged', LOCAL_CARRIER_SECRET: 'forged-carrier-secret' };
  return [{}, { 'stripe-signature': 't=1,v1=deadbeef', 'x-signature': 'sha256=zz' }, { ...WEBHOOK_SIGNERS.stripeWebhook!(rawBody, wrong), ...WEBHOOK_SIGNERS.carrierWebhook!(rawBody, wrong) }];
}
