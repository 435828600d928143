import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodObject, ZodType } from 'zod';
import { routeKey, type Route } from '#functions/routes';
import { admittedCaller, forgedSignatures, pathParameters, WEBHOOK_SIGNERS } from '../support/callers';
import { routesInCallOrder, startRouteWorld, type RouteWorld } from '../support/route-world';
import { declaredKeys, hostileRawBody, hostileValue, HOSTILE_STRINGS, mutated, PROTOTYPE_KEYS, schemaArbitraries } from '../support/schema-arbitrary';
import { describeDifferences, differences, scopeOf, stateReader, unexpectedAfterRefusal, type Difference, type Snapshot, type StateReader } from '../support/state-snapshot';

/**
 * A property-based fuzz of every route of the table, generated from its zod contract: path
 * parameters, query and body are the world's real values, schema-valid values, or hostile
 * ones (huge and odd Unicode strings, prototype-pollution keys, wrong types, path traversal,
 * deep nesting, wrong content types), sent by a caller the route admits (so the request gets
 * past authorization; the auth matrix covers the others). Whatever is sent:
 * - the answer is never a 5xx;
 * - a 4xx is a problem document and changes nothing that the route may write (its function's
 *   tables and Redis, from functions/registry.ts), except the refusal stored under its own
 *   Idempotency-Key;
 * - nothing pollutes Object.prototype of the process the handlers run in.
 *
 * FUZZ_SEED replays a run (a failure prints it); FUZZ_RUNS sets the requests per route;
 * FUZZ_SHRINK=1 shrinks a failure; FUZZ_STATS=1 prints every answer's status.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);

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
 * Refusals that leave a record by design, each with its reason. Whatever else a 4xx changes fails the fuzz.
 */
const REFUSALS_WITH_A_RECORD: ReadonlyArray<{ readonly code: string; readonly reason: string; readonly allows: (d: Difference) => boolean }> = [
  {
    code: 'payment_declined',
    reason:
      'the card is tried only once the stock is reserved (else two buyers could pay for one unit): a declined attempt leaves ' +
      'its released reservation and the reserve/release pair in the ledger, with the counters as they were',
    allows: (d) =>
      (d.kind === 'added' && /^inventory\|RES#/.test(d.key) && parsed(d.after).status === 'RELEASED') ||
      (d.kind === 'added' && /^inventory\|STOCK#[^|]+\|LEDGER#/.test(d.key)) ||
      (d.kind === 'changed' && /^inventory\|STOCK#[^|]+\|COUNTERS$/.test(d.key) && sameCounts(parsed(d.before), parsed(d.after))),
  },
];

const parsed = (item: string | undefined) => JSON.parse(item ?? '{}') as Record<string, unknown>;
const sameCounts = (a: Record<string, unknown>, b: Record<string, unknown>) => ['onHand', 'available', 'reserved', 'sold'].every((name) => a[name] === b[name]);

interface FuzzRequest {
  /** Path segments, already encoded (or deliberately raw). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
  readonly contentType?: string;
  readonly idempotencyKey?: string;
  /** Webhooks: a genuine signature, or one of the forged ones. */
  readonly genuineSignature: boolean;
}

/** Path segments a client cannot produce with encodeURIComponent: dot segments, invalid or overlong UTF-8. */
const RAW_SEGMENTS = ['..', '.', '%2e%2e', '%2E%2E%2F%2E%2E', '%2F', '%5C', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%', '%zz', '%252e%252e'];
const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
  'application/merge-patch+json',
  '',
];

/** Lone surrogates as U+FFFD, as a browser's encoder sends them (encodeURIComponent refuses them). */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const segment = (value: unknown) => encodeURIComponent(wellFormed(String(value)));

function paramArbitrary(route: Route, name: string): fc.Arbitrary<string> {
  const known = world.params[name]?.value;
  const schema = (route.contract.params as ZodObject | undefined)?.shape[name] as ZodType | undefined;
  const choices: Array<fc.WeightedArbitrary<string>> = [
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(segment) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(segment) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  ];
  // The shop mostly stays the world's: another shop is refused (403) before anything else is looked at.
  if (known !== undefined) choices.unshift({ weight: name === 'shopId' ? 30 : 5, arbitrary: fc.constant(segment(known)) });
  if (name === 'shopId') choices.push({ weight: 1, arbitrary: fc.constant(segment(world.shops.other)) });
  if (schema) choices.push({ weight: 2, arbitrary: schemaArbitraries(schema).valid.map(segment) });
  return fc.oneof(...choices);
}

/** Query values as API Gateway hands them over: strings (objects as JSON), repeated names for arrays. */
function queryEntries(value: unknown): Array<[string, string]> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((item): [string, string] => [name, wellFormed(typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))]),
  );
}

function queryArbitrary(route: Route): fc.Arbitrary<Array<[string, string]>> {
  const names = [...declaredKeys(route.contract.query), ...PROTOTYPE_KEYS, 'unexpected'];
  const stray = fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 20 })), { maxKeys: 3 }).map(queryEntries);
  if (!route.contract.query) return fc.oneof({ weight: 3, arbitrary: fc.constant<Array<[string, string]>>([]) }, { weight: 1, arbitrary: stray });
  const arbitraries = schemaArbitraries(route.contract.query);
  return fc.oneof(
    { weight: 3, arbitrary: arbitraries.minimal.map(queryEntries) },
    { weight: 2, arbitrary: arbitraries.valid.map(queryEntries) },
    { weight: 3, arbitrary: arbitraries.hostile.map(queryEntries) },
    { weight: 1, arbitrary: stray },
  );
}

const json = (value: unknown) => JSON.stringify(value) ?? '';

function bodyArbitrary(route: Route): fc.Arbitrary<string | undefined> {
  const { contract } = route;
  if (route.method === 'GET') return fc.constant(undefined);
  if (!contract.body) return fc.option(fc.oneof(hostileRawBody, hostileValue.map(json)), { freq: 2, nil: undefined });
  const arbitraries = schemaArbitraries(contract.body);
  // Bodies the world was built with: as they were (accepted), and with one thing changed.
  const examples = world.examples.get(contract.operationId) ?? [];
  if (contract.bodyContentType) {
    // A text body (NDJSON): the world's own files, lines of hostile or mutated JSON, or raw garbage.
    const lines = examples.flatMap((text) =>
      String(text)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as unknown),
    );
    const line = lines.length > 0 ? fc.oneof(hostileValue, fc.constantFrom(...lines).chain(mutated)) : hostileValue;
    return fc.oneof(
      ...(examples.length > 0 ? [fc.constantFrom(...examples.map(String))] : []),
      arbitraries.valid.map(String),
      fc.array(line.map(json), { minLength: 1, maxLength: 4 }).map((all) => all.join('\n')),
      hostileRawBody,
    );
  }
  const fromExamples: Array<fc.WeightedArbitrary<string>> =
    examples.length > 0
      ? [
          { weight: 1, arbitrary: fc.constantFrom(...examples).map(json) },
          {
            weight: 4,
            arbitrary: fc
              .constantFrom(...examples)
              .chain(mutated)
              .map(json),
          },
        ]
      : [];
  return fc.oneof(
    ...fromExamples,
    { weight: 2, arbitrary: arbitraries.valid.map(json) },
    { weight: 3, arbitrary: arbitraries.hostile.map(json) },
    { weight: 1, arbitrary: hostileValue.map(json) },
    { weight: 1, arbitrary: hostileRawBody },
  );
}

function requestArbitrary(route: Route): fc.Arbitrary<FuzzRequest> {
  const { contract } = route;
  const params = Object.fromEntries(pathParameters(route).map((name) => [name, paramArbitrary(route, name)]));
  const ownType = contract.bodyContentType ?? 'application/json';
  const idempotencyKey = contract.idempotency
    ? fc.oneof(
        { weight: 6, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 200, maxLength: 400 }) },
        { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', '%00', '../x') },
      )
    : fc.constant(undefined);
  return fc.record({
    params: Object.keys(params).length > 0 ? fc.record(params) : fc.constant({}),
    query: queryArbitrary(route),
    body: bodyArbitrary(route),
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constant(ownType) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_CONTENT_TYPES) }),
    idempotencyKey,
    genuineSignature: fc.boolean(),
  });
}

async function send(route: Route, request: FuzzRequest) {
  const query = new URLSearchParams(request.query.map(([name, value]): [string, string] => [name, value]));
  const path = `${world.pathOf(route, request.params)}${query.size > 0 ? `?${query}` : ''}`;
  const headers: Record<string, string> = { ...(await world.headersOf(admittedCaller(route, world.owners))) };
  if (request.body !== undefined && request.contentType) headers['content-type'] = request.contentType;
  if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
  if (route.auth === 'signed') {
    const sign = WEBHOOK_SIGNERS[route.contract.operationId];
    Object.assign(headers, request.genuineSignature && sign ? sign(request.body ?? '', world.platform.env) : forgedSignatures(request.body ?? '')[1]);
  }
  return { path, response: await world.send({ method: route.method, path, headers, ...(request.body !== undefined ? { body: request.body } : {}) }) };
}

function shown(request: FuzzRequest, path: string): string {
  const body = request.body === undefined ? '(none)' : request.body.length > 300 ? `${request.body.slice(0, 300)}… (${request.body.length} chars)` : request.body;
  return `${path.length > 300 ? `${path.slice(0, 300)}…` : path}\n  content-type: ${request.contentType}\n  idempotency-key: ${request.idempotencyKey?.slice(0, 60)}\n  body: ${body}`;
}

describe(`fuzz of every route of the table (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS})`, () => {
  for (const route of routesInCallOrder()) {
    it(`${routeKey(route)} (${route.auth})`, async () => {
      const scope = scopeOf(route);
      const watched = scope.tables.length > 0 || scope.redis;
      let before: Snapshot | undefined;
      const property = fc.asyncProperty(requestArbitrary(route), async (request) => {
        before ??= watched ? await state.read(scope) : undefined;
        const { path, response } = await send(route, request);
        if (process.env.FUZZ_STATS) console.log(`STAT ${routeKey(route)} ${response.status} ${response.body?.code ?? ''}`);
        const seen = `${route.method} ${shown(request, path)}\n  answered ${response.status}: ${response.text.slice(0, 300)}`;
        expect(response.status, seen).toBeLessThan(500);
        expect(({} as Record<string, unknown>).polluted, `Object.prototype polluted by ${seen}`).toBeUndefined();
        if (response.status >= 400) {
          // Node's own refusal of an oversized request line or header comes before the gateway, without a body.
          if (response.status !== 431) expect(response.headers.get('content-type'), seen).toBe('application/problem+json');
          if (before) {
            const after = await state.read(scope);
            const recorded = REFUSALS_WITH_A_RECORD.find((r) => r.code === response.body?.code);
            const changed = unexpectedAfterRefusal(differences(before, after)).filter((d) => !recorded?.allows(d));
            expect(describeDifferences(changed), `a ${response.status} changed the state: ${seen}`).toEqual([]);
            before = after;
            // What such a refusal started (the payment provider's webhooks) finishes before the next request.
            if (recorded) {
              await world.settle();
              before = undefined;
            }
          }
          return;
        }
        // Accepted: let its background work finish, and read the state afresh for the next request.
        if (route.method !== 'GET') await world.settle();
        before = undefined;
      });
      try {
        await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== '1' });
      } catch (error) {
        (error as Error).message = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (rerun with FUZZ_SHRINK=1 to shrink)\n${(error as Error).message}`;
        throw error;
      }
    });
  }
});
