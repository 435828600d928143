import fc from 'fast-check';
import { z, type ZodType } from 'zod';

/**
 * fast-check arbitraries generated from the routes' zod contracts (through zod's JSON Schema,
 * so every schema the contracts can express is covered without a table per route), and the
 * hostile values a fuzz mixes into them: huge and odd Unicode strings, prototype-pollution
 * keys, wrong types, path traversal, deep JSON nesting.
 *
 * `valid` values follow the JSON Schema (refinements and cross-field rules are not in it, so
 * a few are still refused); `hostile` values keep the schema's shape but put a hostile value
 * at some nodes and add hostile keys to some objects.
 */
type JsonSchema = { readonly [key: string]: any };

export interface SchemaArbitraries {
  readonly valid: fc.Arbitrary<unknown>;
  /** Valid, with only the required members of each object (no optional cursor or filter to trip on). */
  readonly minimal: fc.Arbitrary<unknown>;
  readonly hostile: fc.Arbitrary<unknown>;
}

type Mode = 'valid' | 'minimal' | 'hostile';

export function schemaArbitraries(schema: ZodType): SchemaArbitraries {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return { valid: fromJsonSchema(root, root, 'valid'), minimal: fromJsonSchema(root, root, 'minimal'), hostile: fromJsonSchema(root, root, 'hostile') };
}

/** The property names an object schema declares (query and path parameters). */
export function declaredKeys(schema: ZodType | undefined): string[] {
  if (!schema) return [];
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return Object.keys(resolve(root, root).properties ?? {});
}

/** Strings an attacker or a broken client sends in a path segment, a query value or a field. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '..\\..\\windows\\win.ini',
  '....//....//',
  '%00',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil\u202c',
  '\ufeff',
  'İıſK',
  'e\u0301\u0301\u0301',
  '🛒🔥👩‍👩‍👧‍👦',
  'ｓｋｕ－１',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  "' OR '1'='1",
  '"; DROP TABLE orders; --',
  '${jndi:ldap://example.invalid/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'SHOP#other#ORDER#1',
  'demo#',
  '#',
  '*',
  '-1',
  '0',
  '-0',
  '1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '0x1F',
  '1.5',
  ' 7 ',
  'true',
  'null',
  '[]',
  '{}',
  'a'.repeat(300),
  'x'.repeat(70_000),
  '\n\r\t',
  '%',
  '%zz',
];

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => '\u00e9'.repeat(n)) },
);

/** A value of any JSON type, biased to the ones that break naive code. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0.0001, 2 ** 53 + 2, -(2 ** 63), 1e308, [], {}, [null], { __proto__: null }),
  },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS).map((key) => JSON.parse(`{"${key}":{"polluted":true}}`) as unknown) },
);

/** A raw request body that is hard to parse: deep nesting, not JSON, huge. */
export const hostileRawBody: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1_000, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constantFrom(
    '',
    '{',
    'null',
    '"just a string"',
    '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    '{"a":1,"a":2}',
    '\ufeff{}',
    '{"quantity":1}garbage',
    'quantity=1&sku=x',
    `{"big":"${'z'.repeat(1_100_000)}"}`,
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  let current = node;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 16; depth++) {
    const path = (current.$ref as string).replace(/^#\/?/, '').split('/').filter(Boolean);
    current = path.reduce<JsonSchema>((at, part) => at[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))], root);
  }
  return current;
}

function fromJsonSchema(node: JsonSchema, root: JsonSchema, mode: Mode): fc.Arbitrary<unknown> {
  const normal = shaped(resolve(node, root), root, mode);
  return mode === 'hostile' ? fc.oneof({ weight: 5, arbitrary: normal }, { weight: 1, arbitrary: hostileValue }) : normal;
}

function shaped(s: JsonSchema, root: JsonSchema, mode: Mode): fc.Arbitrary<unknown> {
  const recurse = (child: JsonSchema) => fromJsonSchema(child, root, mode);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map(recurse));
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return recurse(s.allOf[0]);
  if (Array.isArray(s.type)) return fc.oneof(...(s.type as string[]).map((type) => shaped({ ...s, type }, root, mode)));
  switch (s.type) {
    case 'string':
      return stringFor(s);
    case 'integer':
    case 'number': {
      const integer = s.type === 'integer';
      const min = bound(s, 'min', -1_000_000, integer);
      const max = Math.max(min, bound(s, 'max', 1_000_000, integer));
      return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      const items = s.items ? recurse(s.items) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(items, { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? 3, 3)) });
    }
    case 'object':
      return objectFor(s, recurse, mode);
    default:
      // `{}`: any value (loose objects' extra members, z.unknown()).
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectFor(s: JsonSchema, recurse: (child: JsonSchema) => fc.Arbitrary<unknown>, mode: Mode): fc.Arbitrary<unknown> {
  const required = new Set<string>((s.required ?? []) as string[]);
  const properties = Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, JsonSchema>).filter(([key]) => mode !== 'minimal' || required.has(key)));
  const model = Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, recurse(child)]));
  const record = Object.keys(model).length > 0 ? fc.record(model, { requiredKeys: Object.keys(model).filter((key) => required.has(key)) }) : fc.constant({});
  const withExtras =
    mode !== 'minimal' && s.additionalProperties && typeof s.additionalProperties === 'object'
      ? fc.tuple(record, fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), recurse(s.additionalProperties), { maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known }))
      : record;
  if (mode !== 'hostile') return withExtras;
  // Hostile objects sometimes carry prototype-pollution keys or unknown members, as own properties (as JSON.parse makes them).
  return fc.tuple(withExtras, fc.option(fc.constantFrom(...PROTOTYPE_KEYS, 'unexpected', 'pk', 'shopId'), { freq: 3 }), hostileValue).map(([value, key, extra]) => {
    if (key === null) return value;
    const out = { ...(value as object) };
    Object.defineProperty(out, key, { value: key === 'unexpected' ? extra : { polluted: true }, enumerable: true, configurable: true, writable: true });
    return out;
  });
}

function stringFor(s: JsonSchema): fc.Arbitrary<string> {
  const minLength: number = s.minLength ?? 0;
  const maxLength: number = s.maxLength ?? Math.max(minLength, 24);
  const fits = (value: string) => value.length >= minLength && value.length <= maxLength;
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'email') return fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), fc.constantFrom('example.com', 'shop.test')).map(([local, domain]) => `${local}@${domain}`);
  if (s.format === 'uri') return fc.webUrl({ validSchemes: ['https'] }).filter(fits);
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ minLength, maxLength: Math.min(maxLength, 40) }).filter((value) => value.trim().length >= minLength);
}

/** The schema's limit on one side, kept within a million of zero so generated numbers stay ordinary. */
function bound(s: JsonSchema, side: 'min' | 'max', ordinary: number, integer: boolean): number {
  const step = integer ? 1 : 1e-6;
  const limits: number[] = [ordinary];
  if (side === 'min') {
    if (typeof s.minimum === 'number') limits.push(s.minimum);
    if (typeof s.exclusiveMinimum === 'number') limits.push(s.exclusiveMinimum + step);
    const value = Math.max(...limits);
    return integer ? Math.ceil(value) : value;
  }
  if (typeof s.maximum === 'number') limits.push(s.maximum);
  if (typeof s.exclusiveMaximum === 'number') limits.push(s.exclusiveMaximum - step);
  const value = Math.min(...limits);
  return integer ? Math.floor(value) : value;
}

/**
 * An accepted example with one thing changed: a member or element replaced by a hostile
 * value, removed, or joined by a prototype-pollution key. Starting from a request the route
 * accepted reaches the code behind validation, which values generated from the schema alone
 * rarely do (cross-field rules, ids that exist).
 */
export function mutated(example: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(example);
  return fc.tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'replace', 'remove', 'pollute'), hostileValue, fc.constantFrom(...PROTOTYPE_KEYS)).map(([path, how, value, key]) => {
    const copy = structuredClone(example);
    if (path.length === 0) return how === 'replace' ? value : copy;
    const parent = path.slice(0, -1).reduce<any>((at, part) => at[part], copy);
    const last = path[path.length - 1]!;
    if (how === 'replace') parent[last] = value;
    else if (how === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (parent[last] && typeof parent[last] === 'object') Object.defineProperty(parent[last], key, { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
    else parent[last] = value;
    return copy;
  });
}

function pathsOf(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  const own = [path];
  if (Array.isArray(value)) return [...own, ...value.flatMap((item, i) => pathsOf(item, [...path, i]))];
  if (value && typeof value === 'object') return [...own, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key]))];
  return own;
}
