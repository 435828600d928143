import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey, type Route } from '#functions/routes';
import { CALLERS, expectationFor, forgedSignatures, pathParameters, WEBHOOK_SIGNERS, type Caller } from '../support/callers';
import { routesInCallOrder, startRouteWorld, type RouteWorld } from '../support/route-world';
import { schemaArbitraries } from '../support/schema-arbitrary';
import { describeDifferences, differences, scopeOf, stateReader, unexpectedAfterRefusal, type StateReader } from '../support/state-snapshot';
import type { TestResponse } from '../support/platform';

/**
 * The auth matrix, generated from the route table: every route is called by every caller of
 * test/support/callers.ts, and each gets what the route's declared `auth` says, through the
 * real gateway (its JWT check) and handlers. A refused caller changes nothing. Webhooks
 * refuse every request without a genuine signature, whatever its path or body.
 */
let world: RouteWorld;
let state: StateReader;

beforeAll(async () => {
  world = await startRouteWorld();
  state = stateReader(world.platform);
}, 120_000);

afterAll(async () => {
  await state?.close();
  await world?.stop();
});

/**
 * Routes whose answer to an admitted caller is not the general rule (2xx for a read, no 404
 * for anything else), each with its reason.
 */
const ADMITTED_EXCEPTIONS: Readonly<Record<string, { readonly statuses: readonly number[]; readonly reason: string }>> = {};

/** A schema-valid query string (from the route's contract). */
function queryOf(route: Route): string {
  if (!route.contract.query) return '';
  const [value] = fc.sample(schemaArbitraries(route.contract.query).minimal, { numRuns: 1, seed: 11 });
  const query = new URLSearchParams(Object.entries(value as Record<string, unknown>).map(([name, v]): [string, string] => [name, String(v)]));
  return query.size > 0 ? `?${query}` : '';
}

/** A schema-valid body (from the route's contract, the same for every caller), with its content type. */
function bodyOf(route: Route): { body?: string; headers: Record<string, string> } {
  const { contract } = route;
  const headers: Record<string, string> = contract.idempotency ? { 'idempotency-key': randomUUID() } : {};
  if (!contract.body) return { headers };
  const [value] = fc.sample(schemaArbitraries(contract.body).minimal, { numRuns: 1, seed: 11 });
  if (contract.bodyContentType) return { body: typeof value === 'string' ? value : JSON.stringify(value), headers: { ...headers, 'content-type': contract.bodyContentType } };
  return { body: JSON.stringify(value ?? {}), headers: { ...headers, 'content-type': 'application/json' } };
}

async function call(route: Route, caller: Caller, extra: Record<string, string> = {}): Promise<TestResponse> {
  const { body, headers } = bodyOf(route);
  return world.send({
    method: route.method,
    path: `${world.pathOf(route)}${queryOf(route)}`,
    headers: { ...headers, ...(await world.headersOf(caller)), ...extra },
    ...(body !== undefined ? { body } : {}),
  });
}

function describeResponse(route: Route, caller: Caller, res: TestResponse): string {
  return `${routeKey(route)} as ${caller.name}: ${res.status} ${res.text.slice(0, 300)}`;
}

const expectationsOf = (route: Route) => CALLERS.map((caller) => ({ caller, expected: expectationFor(route, caller, world.owners) }));
const signedRoutes = routesInCallOrder().filter((route) => route.auth === 'signed');

// Refusals first, for every route: no admitted request has run yet, so nothing works in the
// background and each route's state, read before and after its refused callers, must be equal.
describe('auth matrix, refused callers: every route of the table with every caller it refuses', () => {
  for (const route of routesInCallOrder()) {
    it(`${routeKey(route)} (${route.auth})`, async () => {
      const scope = scopeOf(route);
      const before = await state.read(scope);
      for (const { caller, expected } of expectationsOf(route)) {
        if (expected.kind !== 'refused') continue;
        const res = await call(route, caller);
        const seen = describeResponse(route, caller, res);
        expect([res.status, res.body?.code], seen).toEqual([expected.status, expected.code]);
        expect(res.headers.get('content-type'), seen).toBe('application/problem+json');
      }
      const changed = unexpectedAfterRefusal(differences(before, await state.read(scope)));
      expect(describeDifferences(changed), `${routeKey(route)}: refused callers changed the state`).toEqual([]);
    });
  }

  it('has a signer for every webhook route', () => {
    expect(signedRoutes.filter((route) => !WEBHOOK_SIGNERS[route.contract.operationId]).map(routeKey)).toEqual([]);
  });

  for (const route of signedRoutes) {
    it(`${routeKey(route)}: forged, missing or garbage signatures are 401, before the path or body is looked at, and change nothing`, async () => {
      const scope = scopeOf(route);
      const before = await state.read(scope);
      const bodies = [bodyOf(route).body ?? '', '{}', 'not json', '{"__proto__":{"polluted":true}}'];
      // A path the schema refuses must not be answered 400 before the signature is checked: that would tell a forger what passes.
      const invalidParams = Object.fromEntries(pathParameters(route).map((name) => [name, encodeURIComponent('NOT VALID/..')]));
      for (const path of [world.pathOf(route), world.pathOf(route, invalidParams)]) {
        for (const body of bodies) {
          for (const signature of forgedSignatures(body)) {
            const res = await world.send({ method: route.method, path, headers: { 'content-type': 'application/json', ...signature }, body });
            expect([res.status, res.body?.code], `${route.method} ${path} ${JSON.stringify(signature)} ${body.slice(0, 80)}: ${res.text.slice(0, 200)}`).toEqual([401, 'invalid_signature']);
          }
        }
      }
      expect(describeDifferences(differences(before, await state.read(scope)))).toEqual([]);
    });
  }
});

describe('auth matrix, admitted callers: every route of the table with every caller it admits', () => {
  for (const route of routesInCallOrder()) {
    it(`${routeKey(route)} (${route.auth})`, async () => {
      const exception = ADMITTED_EXCEPTIONS[routeKey(route)];
      for (const { caller, expected } of expectationsOf(route)) {
        if (expected.kind !== 'admitted') continue;
        const res = await call(route, caller);
        const seen = describeResponse(route, caller, res);
        expect(res.status, seen).toBeLessThan(500);
        expect([401, 403], seen).not.toContain(res.status);
        if (exception?.statuses.includes(res.status)) continue;
        if (route.method === 'GET') expect(res.status >= 200 && res.status < 300, seen).toBe(true);
        else expect(res.status, seen).not.toBe(404);
      }
    });
  }

  for (const route of signedRoutes) {
    it(`${routeKey(route)}: a genuine signature on any body the contract accepts is admitted, and never a 5xx`, async () => {
      const sign = WEBHOOK_SIGNERS[route.contract.operationId]!;
      const bodies = fc.sample(schemaArbitraries(route.contract.body!).valid, { numRuns: 6, seed: 7 }).map((value) => JSON.stringify(value));
      for (const body of bodies) {
        const res = await world.send({ method: route.method, path: world.pathOf(route), headers: { 'content-type': 'application/json', ...sign(body, world.platform.env) }, body });
        expect(res.status, `${body.slice(0, 200)}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
        expect(res.status, `${body.slice(0, 200)}: ${res.text.slice(0, 200)}`).not.toBe(401);
      }
    });
  }
});
