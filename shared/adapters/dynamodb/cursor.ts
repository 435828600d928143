import { ValidationError } from '#shared/errors';

/** Opaque page cursors: the DynamoDB key to continue from, base64url-encoded JSON. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** `expected` pins attributes (the partition) so a cursor of another list or shop is refused. */
export function decodeCursor(cursor: string, expected: Record<string, string> = {}): Record<string, unknown> {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      key &&
      typeof key === 'object' &&
      !Array.isArray(key) &&
      Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number') &&
      Object.entries(expected).every(([name, value]) => (key as Record<string, unknown>)[name] === value)
    ) {
      return key as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new ValidationError('The cursor is not one this API issued.', [{ path: 'query.cursor', message: 'use the nextCursor of the previous page' }]);
}
