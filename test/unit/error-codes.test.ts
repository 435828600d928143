import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '#shared/errors';
import { problemFromError, STATUS_BY_CODE, statusOf } from '#shared/http/problem';

/**
 * Every problem code the source can raise has a status. The scan reads the code of the
 * handlers and domain (`functions/`, `shared/`) for the shapes that name a code:
 * `new DomainError('code', …)`, `new ConflictError('code', …)`, `super('code', …)` of an
 * error class, and `problem('code', …)`. A new code without an entry in STATUS_BY_CODE fails
 * here rather than reaching a caller as a 500.
 */
const ROOT = join(import.meta.dirname, '../..');
const CODE_SHAPES = [/\bnew\s+(?:DomainError|ConflictError)\(\s*'([a-z][a-z0-9_]*)'/g, /\bsuper\(\s*'([a-z][a-z0-9_]*)'/g, /\bproblem\(\s*'([a-z][a-z0-9_]*)'/g];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function raisedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of ['functions', 'shared'].flatMap((dir) => sourceFiles(join(ROOT, dir)))) {
    const text = readFileSync(file, 'utf8');
    for (const shape of CODE_SHAPES) {
      for (const match of text.matchAll(shape)) found.set(match[1]!, [...(found.get(match[1]!) ?? []), relative(ROOT, file)]);
    }
  }
  return found;
}

describe('problem codes', () => {
  it('maps every code raised in the source to a status', () => {
    const codes = raisedCodes();
    // The scan itself works: it sees codes of each shape.
    expect([...codes.keys()]).toEqual(
      expect.arrayContaining([
        'validation_failed',
        'not_found',
        'conflict',
        'invalid_transition',
        'unsupported_media_type',
        'internal_error',
        'warehouse_rejected',
        'malformed_order_event',
        'tracking_number_taken',
      ]),
    );
    const unmapped = [...codes].filter(([code]) => STATUS_BY_CODE[code] === undefined).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
    expect(unmapped, 'codes without an entry in STATUS_BY_CODE (shared/http/problem.ts)').toEqual([]);
  });

  it('gives the codes of failures past the caller a 5xx', () => {
    expect(statusOf('warehouse_rejected')).toBe(502);
    expect(statusOf('malformed_order_event')).toBe(500);
    expect(statusOf('tracking_number_taken')).toBe(409);
  });

  it('answers an unknown code as an internal error, never as the caller’s 400', () => {
    expect(statusOf('no_such_code')).toBe(500);
    // problemFromError leaves it to the HTTP edge, which logs it and answers 500 internal_error with a reference.
    expect(problemFromError(new DomainError('no_such_code', 'details of ours'))).toBeUndefined();
  });
});
