import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSignatureError } from '#shared/checkout/payment-gateway';

/** `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the carrier's secret, compared in constant time. */
export function signCarrierBody(rawBody: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

export function verifyCarrierSignature(rawBody: string, header: string | undefined, secret: unknown): void {
  // The secret is looked up by the unvalidated path's carrier: `constructor` must not find a function.
  if (typeof secret !== 'string' || secret.length === 0) throw new InvalidSignatureError('This carrier is not configured to send webhooks.');
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) throw new InvalidSignatureError('The X-Signature header is missing or not of the form sha256=<hex>.');
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(match[1]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidSignatureError('The X-Signature does not match the body.');
}
