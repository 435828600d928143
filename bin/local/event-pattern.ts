/**
 * EventBridge content filtering, as documented in "Amazon EventBridge event patterns" and
 * "Content filtering in event patterns", so that the local bus routes events with the very
 * patterns the CDK stack gives to EventBridge.
 *
 * Semantics:
 * - Every field of the pattern must match (AND); the values listed for a leaf are alternatives (OR).
 * - A leaf matches when any of the event's values at that path matches any of the pattern's
 *   values; an array in the event contributes each of its elements.
 * - A field absent from the event matches nothing except `{ exists: false }`. Only leaf values
 *   (strings, numbers, booleans, null) count as existing; objects do not.
 * - Arrays of objects in the event: a nested pattern matches when one element matches it as a whole.
 * - `$or` at any level: an array of sub-patterns of which one must match.
 *
 * Operators: exact values, `prefix`, `suffix` (both also `{ 'equals-ignore-case': ... }`),
 * `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or `prefix`/`suffix`/
 * `equals-ignore-case`/`wildcard`), `exists`, `numeric` (`=`, `<`, `<=`, `>`, `>=`, pairs
 * combined), `cidr` (IPv4). An unknown operator throws, as EventBridge rejects such a rule.
 */
import type { EventPattern } from '#functions/events';

type Leaf = string | number | boolean | null;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLeaf = (v: unknown): v is Leaf => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

/** EventBridge content filtering: exact values (arrays = OR), nested objects, prefix, suffix, anything-but (value, list, prefix), exists true/false, numeric ranges ['>', 0, '<=', 5], equals-ignore-case; matching arrays in the event (any element matches). Matches AWS semantics (a field absent from the event does not match a value; `exists: false` matches absence). */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('An event pattern must be a JSON object');
  return matchObject(pattern as Record<string, unknown>, event);
}

/** Matches a (sub-)pattern object against an event node (an object, an array of objects, or anything else). */
function matchObject(pattern: Record<string, unknown>, node: unknown): boolean {
  if (Array.isArray(node)) {
    const objects = node.filter(isPlainObject);
    if (objects.length === 0) return matchFields(pattern, {});
    return objects.some((element) => matchFields(pattern, element));
  }
  return matchFields(pattern, isPlainObject(node) ? node : {});
}

function matchFields(pattern: Record<string, unknown>, node: Record<string, unknown>): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(expected) || expected.length < 2 || !expected.every(isPlainObject)) {
        throw new InvalidEventPatternError('$or must be an array of at least two pattern objects');
      }
      if (!expected.some((alternative) => matchFields(alternative, node))) return false;
      continue;
    }
    const value = Object.hasOwn(node, key) ? node[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, value)) return false;
    } else if (isPlainObject(expected)) {
      if (!matchObject(expected, value)) return false;
    } else {
      throw new InvalidEventPatternError(`Pattern field "${key}" must be an array of values or a nested object`);
    }
  }
  return true;
}

/** The leaf values of an event field: the value itself or the leaves of an array (nested arrays flattened). */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (isLeaf(value)) return [value];
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return []; // an object is not a leaf
}

function matchLeaf(alternatives: readonly unknown[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return alternatives.some((matcher) => {
    if (isPlainObject(matcher) && 'exists' in matcher) {
      checkKeys(matcher, ['exists']);
      if (typeof matcher['exists'] !== 'boolean') throw new InvalidEventPatternError('exists takes true or false');
      return matcher['exists'] ? leaves.length > 0 : leaves.length === 0;
    }
    return leaves.some((leaf) => matchValue(matcher, leaf));
  });
}

function checkKeys(matcher: Record<string, unknown>, allowed: readonly string[]): void {
  const keys = Object.keys(matcher);
  if (keys.length !== 1 || !allowed.includes(keys[0]!)) {
    throw new InvalidEventPatternError(`Unsupported pattern operator ${JSON.stringify(matcher)}`);
  }
}

/** One pattern value against one leaf of the event. */
function matchValue(matcher: unknown, leaf: Leaf): boolean {
  if (isLeaf(matcher)) return matcher === leaf;
  if (!isPlainObject(matcher)) throw new InvalidEventPatternError(`Unsupported pattern value ${JSON.stringify(matcher)}`);
  checkKeys(matcher, ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'cidr']);
  const [operator, operand] = Object.entries(matcher)[0]!;
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'wildcard':
      return matchString(operator, operand, leaf);
    case 'anything-but':
      return matchAnythingBut(operand, leaf);
    case 'numeric':
      return typeof leaf === 'number' && matchNumeric(operand, leaf);
    case 'cidr':
      return typeof leaf === 'string' && matchCidr(operand, leaf);
    default:
      throw new InvalidEventPatternError(`Unsupported pattern operator ${operator}`);
  }
}

/** prefix / suffix (optionally case-insensitive), equals-ignore-case and wildcard; they apply to strings only. */
function matchString(operator: 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard', operand: unknown, leaf: Leaf): boolean {
  if (typeof leaf !== 'string') return false;
  let expected = operand;
  let ignoreCase = operator === 'equals-ignore-case';
  if ((operator === 'prefix' || operator === 'suffix') && isPlainObject(operand)) {
    checkKeys(operand, ['equals-ignore-case']);
    expected = operand['equals-ignore-case'];
    ignoreCase = true;
  }
  if (typeof expected !== 'string') throw new InvalidEventPatternError(`${operator} takes a string`);
  const actual = ignoreCase ? leaf.toLowerCase() : leaf;
  const wanted = ignoreCase ? expected.toLowerCase() : expected;
  switch (operator) {
    case 'prefix':
      return actual.startsWith(wanted);
    case 'suffix':
      return actual.endsWith(wanted);
    case 'equals-ignore-case':
      return actual === wanted;
    case 'wildcard':
      return wildcardRegExp(expected).test(leaf);
  }
}

const wildcardCache = new Map<string, RegExp>();
function wildcardRegExp(expression: string): RegExp {
  let re = wildcardCache.get(expression);
  if (!re) {
    // `*` matches any run of characters; `\*` is a literal star.
    let source = '';
    for (let i = 0; i < expression.length; i++) {
      const c = expression[i]!;
      if (c === '\\' && (expression[i + 1] === '*' || expression[i + 1] === '\\')) {
        source += `\\${expression[++i]}`;
      } else if (c === '*') {
        source += '.*';
      } else {
        source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      }
    }
    re = new RegExp(`^${source}$`, 's');
    wildcardCache.set(expression, re);
  }
  return re;
}

function matchAnythingBut(operand: unknown, leaf: Leaf): boolean {
  if (isPlainObject(operand)) {
    checkKeys(operand, ['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);
    const [operator, inner] = Object.entries(operand)[0]!;
    if (operator === 'equals-ignore-case' && Array.isArray(inner)) {
      return typeof leaf === 'string' && !inner.some((v) => matchString('equals-ignore-case', v, leaf));
    }
    if (operator === 'prefix' || operator === 'suffix' || operator === 'wildcard') {
      const list = Array.isArray(inner) ? inner : [inner];
      return typeof leaf === 'string' && !list.some((v) => matchString(operator, v, leaf));
    }
    return typeof leaf === 'string' && !matchString(operator as 'equals-ignore-case', inner, leaf);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  for (const v of excluded) {
    if (!isLeaf(v) || v === null || typeof v === 'boolean') {
      throw new InvalidEventPatternError('anything-but takes a string, a number or a list of them');
    }
  }
  return !excluded.includes(leaf);
}

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function matchNumeric(operand: unknown, leaf: number): boolean {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new InvalidEventPatternError('numeric takes operator/value pairs, e.g. [">", 0, "<=", 5]');
  }
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const bound: unknown = typeof operand[i + 1] === 'string' ? Number(operand[i + 1]) : operand[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.has(op) || typeof bound !== 'number' || Number.isNaN(bound)) {
      throw new InvalidEventPatternError(`Invalid numeric condition ${JSON.stringify(operand)}`);
    }
    const ok = op === '=' ? leaf === bound : op === '<' ? leaf < bound : op === '<=' ? leaf <= bound : op === '>' ? leaf > bound : leaf >= bound;
    if (!ok) return false;
  }
  return true;
}

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

function matchCidr(operand: unknown, leaf: string): boolean {
  if (typeof operand !== 'string') throw new InvalidEventPatternError('cidr takes a string');
  const [base, bitsText] = operand.split('/');
  const network = ipv4ToNumber(base ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new InvalidEventPatternError(`Unsupported cidr ${operand} (IPv4 only locally)`);
  }
  const address = ipv4ToNumber(leaf);
  if (address === undefined) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(network / size);
}

/** Throws InvalidEventPatternError when a pattern uses an operator or shape EventBridge would reject. */
export function validatePattern(pattern: EventPattern): void {
  // Matching against an event that has every field as a string exercises the operand checks
  // of string operators; a walk checks the structure and the remaining operators.
  const walk = (node: unknown, path: string): void => {
    if (!isPlainObject(node)) throw new InvalidEventPatternError(`${path || 'pattern'} must be an object`);
    for (const [key, value] of Object.entries(node)) {
      if (key === '$or') {
        if (!Array.isArray(value) || value.length < 2) throw new InvalidEventPatternError(`${path}$or must list at least two patterns`);
        value.forEach((alternative, i) => walk(alternative, `${path}$or[${i}].`));
      } else if (Array.isArray(value)) {
        if (value.length === 0) throw new InvalidEventPatternError(`${path}${key}: an empty list matches nothing`);
        for (const matcher of value) {
          matchLeaf([matcher], 'probe');
          matchLeaf([matcher], 1);
        }
      } else {
        walk(value, `${path}${key}.`);
      }
    }
  };
  walk(pattern, '');
}
