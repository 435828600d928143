import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of the warehouse hand-over: `X-Signature: sha256=<hex HMAC-SHA256 of the
 * body>`. Kept apart from the HTTP adapter so that the simulated warehouse (which checks it)
 * loads no AWS client.
 */
export const SIGNATURE_HEADER = 'x-signature';

/** `sha256=<hex HMAC-SHA256 of body>`, the value of X-Signature. */
export function signWarehouseBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` (constant-time comparison of the digests). */
export function verifyWarehouseSignature(body: string | Buffer, header: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(given, expected);
}
