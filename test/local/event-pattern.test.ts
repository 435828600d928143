import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventPattern } from '#functions/events';
import { InvalidEventPatternError, matchesPattern, validatePattern } from '#bin/local/event-pattern';

/** Patterns with operators the EventPattern type does not list yet (suffix, equals-ignore-case, wildcard, cidr, $or). */
const p = (pattern: unknown) => pattern as EventPattern;

// The example event of the EventBridge documentation ("Content filtering in event patterns"), plus a few fields.
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    location: 'eu-west',
    filename: 'image.PNG',
    flag: true,
    nothing: null,
    empty: '',
    tags: ['blue', 'green'],
    nested: { a: { b: 'deep' } },
    items: [
      { sku: 'A-1', qty: 1 },
      { sku: 'B-2', qty: 2 },
    ],
  },
};

const cases: Array<[name: string, pattern: unknown, expected: boolean]> = [
  // exact values, OR within a list, AND across fields
  ['exact source', { source: ['aws.ec2'] }, true],
  ['other source', { source: ['aws.s3'] }, false],
  ['list is OR', { source: ['aws.s3', 'aws.ec2'] }, true],
  ['fields are AND', { source: ['aws.ec2'], 'detail-type': ['Something else'] }, false],
  ['nested field', { detail: { state: ['terminated'] } }, true],
  ['deeply nested field', { detail: { nested: { a: { b: ['deep'] } } } }, true],
  ['number equals number', { detail: { 'c-count': [5] } }, true],
  ['number does not equal its string', { detail: { 'c-count': ['5'] } }, false],
  ['boolean', { detail: { flag: [true] } }, true],
  ['boolean is not its string', { detail: { flag: ['true'] } }, false],
  ['null matches null', { detail: { nothing: [null] } }, true],
  ['null does not match an absent field', { detail: { absent: [null] } }, false],
  ['empty string matches empty string', { detail: { empty: [''] } }, true],
  ['a value never matches an absent field', { detail: { absent: ['x'] } }, false],
  ['a leaf pattern does not match an object', { detail: { nested: ['deep'] } }, false],
  // arrays in the event
  ['resources array: any element', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] }, true],
  ['array intersection', { detail: { tags: ['red', 'green'] } }, true],
  ['array without intersection', { detail: { tags: ['red'] } }, false],
  ['array of objects: one element matches', { detail: { items: { sku: ['B-2'], qty: [2] } } }, true],
  ['array of objects: fields from different elements do not combine', { detail: { items: { sku: ['B-2'], qty: [1] } } }, false],
  // prefix / suffix
  ['prefix', { source: [{ prefix: 'aws.' }] }, true],
  ['prefix miss', { source: [{ prefix: 'ec2' }] }, false],
  ['prefix is case sensitive', { source: [{ prefix: 'AWS.' }] }, false],
  ['prefix equals-ignore-case', { 'detail-type': [{ prefix: { 'equals-ignore-case': 'ec2 INSTANCE' } }] }, true],
  ['prefix does not apply to numbers', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
  ['suffix', { detail: { filename: [{ suffix: '.PNG' }] } }, true],
  ['suffix is case sensitive', { detail: { filename: [{ suffix: '.png' }] } }, false],
  ['suffix equals-ignore-case', { detail: { filename: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, true],
  // equals-ignore-case, wildcard
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, true],
  ['equals-ignore-case miss', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance' }] }, false],
  ['wildcard', { 'detail-type': [{ wildcard: 'EC2*Notification' }] }, true],
  ['wildcard miss', { 'detail-type': [{ wildcard: 'EC2*Alarm' }] }, false],
  // anything-but
  ['anything-but value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
  ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'terminated' }] } }, false],
  ['anything-but list', { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, false],
  ['anything-but number', { detail: { 'c-count': [{ 'anything-but': [5] }] } }, false],
  ['anything-but other number', { detail: { 'c-count': [{ 'anything-but': [6, 7] }] } }, true],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, true],
  ['anything-but prefix that matches', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
  ['anything-but suffix', { detail: { filename: [{ 'anything-but': { suffix: '.PNG' } }] } }, false],
  ['anything-but equals-ignore-case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['TERMINATED'] } }] } }, false],
  ['anything-but does not match an absent field', { detail: { absent: [{ 'anything-but': 'x' }] } }, false],
  ['anything-but on an array: one other element is enough', { detail: { tags: [{ 'anything-but': 'blue' }] } }, true],
  // exists
  ['exists true', { detail: { state: [{ exists: true }] } }, true],
  ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
  ['exists false on an absent field', { detail: { absent: [{ exists: false }] } }, true],
  ['exists true on an absent field', { detail: { absent: [{ exists: true }] } }, false],
  ['exists true on null', { detail: { nothing: [{ exists: true }] } }, true],
  ['exists works on leaves only: an object does not exist', { detail: { nested: [{ exists: true }] } }, false],
  ['exists false on an intermediate node', { detail: { nested: [{ exists: false }] } }, true],
  ['exists false under an absent object', { detail: { absent: { deeper: [{ exists: false }] } } }, true],
  ['a value or absence', { detail: { absent: ['x', { exists: false }] } }, true],
  // numeric
  ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
  ['numeric range miss', { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, false],
  ['numeric >=', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, true],
  ['numeric <', { detail: { 'c-count': [{ numeric: ['<', 5] }] } }, false],
  ['numeric = decimal', { detail: { 'x-limit': [{ numeric: ['=', 301.8] }] } }, true],
  ['numeric two fields', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, true],
  ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
  ['numeric on an absent field', { detail: { absent: [{ numeric: ['>', 0] }] } }, false],
  // cidr, $or
  ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
  ['cidr miss', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
  ['$or: one branch', { detail: { $or: [{ state: ['running'] }, { 'c-count': [{ numeric: ['>', 4] }] }] } }, true],
  ['$or: no branch', { detail: { $or: [{ state: ['running'] }, { 'c-count': [{ numeric: ['>', 5] }] }] } }, false],
  ['$or at the top', { $or: [{ source: ['aws.s3'] }, { detail: { location: [{ prefix: 'eu-' }] } }] }, true],
];

describe('matchesPattern: documented cases', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(p(pattern), event)).toBe(expected);
  });

  it('matches events with absent or non-object parts', () => {
    expect(matchesPattern(p({ detail: { a: [{ exists: false }] } }), { detail: 'text' })).toBe(true);
    expect(matchesPattern(p({ detail: { a: ['x'] } }), { detail: 'text' })).toBe(false);
    expect(matchesPattern(p({ source: ['x'] }), null)).toBe(false);
  });

  it('rejects unknown operators and malformed patterns like EventBridge', () => {
    expect(() => matchesPattern(p({ source: [{ regex: '.*' }] }), event)).toThrow(InvalidEventPatternError);
    expect(() => matchesPattern(p({ source: [{ prefix: 'a', suffix: 'b' }] }), event)).toThrow(InvalidEventPatternError);
    expect(() => matchesPattern(p({ source: 'aws.ec2' }), event)).toThrow(InvalidEventPatternError);
    expect(() => validatePattern(p({ detail: { 'c-count': [{ numeric: ['>'] }] } }))).toThrow(InvalidEventPatternError);
    expect(() => validatePattern(p({ source: [] }))).toThrow(InvalidEventPatternError);
    expect(() => validatePattern(p({ source: [{ prefix: 5 }] }))).toThrow(InvalidEventPatternError);
    expect(() => validatePattern(p({ source: ['aws.ec2'], detail: { state: [{ 'anything-but': ['a', 'b'] }], n: [{ numeric: ['>', 0, '<', 1] }] } }))).not.toThrow();
  });
});

// ---------- properties ----------

type Scalar = string | number | boolean | null;
type Node = Scalar | Scalar[] | Node[] | { [key: string]: Node };

const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '$or' && k !== '__proto__');
const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const { tree } = fc.letrec<{ tree: Node; object: { [key: string]: Node } }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(scalar, { maxLength: 4 }), tie('object'), fc.array(tie('object'), { minLength: 1, maxLength: 3 })),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 4, noNullPrototype: true }) as fc.Arbitrary<{ [key: string]: Node }>,
}));
const eventArb = fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5, noNullPrototype: true });

/** A small deterministic PRNG so that a property can make many choices from one generated seed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isObject = (v: unknown): v is Record<string, Node> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A pattern made of some of the node's own leaf values (undefined when it has none to offer). */
function patternFrom(node: Record<string, Node>, rnd: () => number): Record<string, unknown> | undefined {
  const pattern: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (rnd() < 0.3) continue;
    const sub = valuePattern(v, rnd);
    if (sub !== undefined) pattern[k] = sub;
  }
  return Object.keys(pattern).length > 0 ? pattern : undefined;
}

function valuePattern(v: Node, rnd: () => number): unknown {
  if (isObject(v)) return patternFrom(v, rnd);
  if (Array.isArray(v)) {
    const objects = (v as Node[]).filter((x): x is Record<string, Node> => isObject(x));
    if (objects.length > 0) return patternFrom(objects[Math.floor(rnd() * objects.length)]!, rnd);
    const scalars = v as Scalar[];
    if (scalars.length === 0) return undefined;
    return [scalars[Math.floor(rnd() * scalars.length)]];
  }
  return [v];
}

/** Every path to a scalar (or scalar list) in an object, without going through arrays of objects. */
function leafPaths(node: Record<string, Node>, prefix: string[] = []): Array<{ path: string[]; value: Node }> {
  return Object.entries(node).flatMap(([k, v]) => (isObject(v) ? leafPaths(v, [...prefix, k]) : Array.isArray(v) && v.some(isObject) ? [] : [{ path: [...prefix, k], value: v }]));
}

function throughArrayOfObjects(node: unknown, path: string[]): boolean {
  let current: unknown = node;
  for (const k of path) {
    if (Array.isArray(current)) return true;
    if (!isObject(current) || !Object.hasOwn(current, k)) return false;
    current = current[k];
  }
  return false;
}

function nest(path: string[], leaf: unknown): EventPattern {
  return p(path.reduceRight<unknown>((inner, k) => ({ [k]: inner }), leaf));
}

describe('matchesPattern: properties', () => {
  it('an event matches a pattern built from its own leaf values', () => {
    fc.assert(
      fc.property(eventArb, fc.integer(), (ev, seed) => {
        const pattern = patternFrom(ev, random(seed));
        fc.pre(pattern !== undefined);
        expect(matchesPattern(p(pattern), ev)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('adding a condition on a field the event lacks makes it not match (but exists:false still does)', () => {
    fc.assert(
      fc.property(eventArb, fc.integer(), scalar, (ev, seed, value) => {
        const pattern = patternFrom(ev, random(seed));
        fc.pre(pattern !== undefined);
        const absent = 'field-that-is-not-there';
        expect(matchesPattern(p({ ...pattern, [absent]: [value] }), ev)).toBe(false);
        expect(matchesPattern(p({ ...pattern, [absent]: [{ exists: false }] }), ev)).toBe(true);
      }),
    );
  });

  it('exists:true and exists:false are complements at any path', () => {
    fc.assert(
      fc.property(eventArb, fc.array(key, { minLength: 1, maxLength: 3 }), (ev, path) => {
        // (Through an array of objects both can hold: one element has the field, another lacks it.)
        fc.pre(!throughArrayOfObjects(ev, path));
        const yes = matchesPattern(nest(path, [{ exists: true }]), ev);
        const no = matchesPattern(nest(path, [{ exists: false }]), ev);
        expect(yes).toBe(!no);
      }),
    );
  });

  it('anything-but a scalar leaf is the negation of matching it', () => {
    fc.assert(
      fc.property(eventArb, fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), (ev, other) => {
        for (const { path, value } of leafPaths(ev)) {
          if (typeof value !== 'string' && typeof value !== 'number') continue;
          expect(matchesPattern(nest(path, [{ 'anything-but': value }]), ev)).toBe(false);
          expect(matchesPattern(nest(path, [{ 'anything-but': [other] }]), ev)).toBe(other !== value);
          expect(matchesPattern(nest(path, [other]), ev)).toBe(other === value);
        }
      }),
    );
  });

  it('numeric ranges agree with arithmetic', () => {
    const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
    fc.assert(
      fc.property(num, num, num, fc.constantFrom('>', '>='), fc.constantFrom('<', '<='), (x, a, b, lowOp, highOp) => {
        const expected = (lowOp === '>' ? x > a : x >= a) && (highOp === '<' ? x < b : x <= b);
        expect(matchesPattern(p({ detail: { n: [{ numeric: [lowOp, a, highOp, b] }] } }), { detail: { n: x } })).toBe(expected);
        expect(matchesPattern(p({ detail: { n: [{ numeric: ['=', x] }] } }), { detail: { n: x } })).toBe(true);
      }),
    );
  });

  it('prefix and suffix of a string field match; they and equals-ignore-case agree with String methods', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.nat(12), fc.string({ maxLength: 4 }), (s, cut, probe) => {
        const ev = { detail: { s } };
        const at = Math.min(cut, s.length);
        expect(matchesPattern(p({ detail: { s: [{ prefix: s.slice(0, at) }] } }), ev)).toBe(true);
        expect(matchesPattern(p({ detail: { s: [{ suffix: s.slice(at) }] } }), ev)).toBe(true);
        expect(matchesPattern(p({ detail: { s: [{ prefix: probe }] } }), ev)).toBe(s.startsWith(probe));
        expect(matchesPattern(p({ detail: { s: [{ suffix: probe }] } }), ev)).toBe(s.endsWith(probe));
        expect(matchesPattern(p({ detail: { s: [{ 'equals-ignore-case': s.toUpperCase() }] } }), ev)).toBe(true);
        expect(matchesPattern(p({ detail: { s: [{ 'anything-but': { prefix: probe } }] } }), ev)).toBe(!s.startsWith(probe));
      }),
    );
  });
});
