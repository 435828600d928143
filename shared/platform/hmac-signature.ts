import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The platform's one HMAC signature: `sha256=<hex HMAC-SHA256 of the body>` (the value of
 * an `X-Signature` header), used by the carriers' webhooks and the warehouse hand-over.
 */
export const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;

/** `sha256=<hex HMAC-SHA256 of body>` with `secret`. */
export function hmacSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * How `header` compares with the signature of `body`: `missing` when absent or not of the
 * form `sha256=<64 hex>`, else `valid` or `mismatch`, the digests compared in constant time.
 */
export function checkHmacSignature(body: string | Buffer, header: string | undefined, secret: string): 'valid' | 'missing' | 'mismatch' {
  const match = SIGNATURE_PATTERN.exec(header?.trim() ?? '');
  if (!match) return 'missing';
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'mismatch';
}

/** Whether `header` is the signature of `body` with `secret`. */
export function verifyHmacSignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  return checkHmacSignature(body, header, secret) === 'valid';
}
