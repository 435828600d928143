import { InvalidSignatureError } from '#shared/checkout/payment-gateway';
import { checkHmacSignature, hmacSignature } from '#shared/platform/hmac-signature';

/** `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the carrier's secret, compared in constant time. */
export function signCarrierBody(rawBody: string, secret: string): string {
  return hmacSignature(rawBody, secret);
}

export function verifyCarrierSignature(rawBody: string, header: string | undefined, secret: unknown): void {
  // The secret is looked up by the unvalidated path's carrier: `constructor` must not find a function.
  if (typeof secret !== 'string' || secret.length === 0) throw new InvalidSignatureError('This carrier is not configured to send webhooks.');
  const check = checkHmacSignature(rawBody, header, secret);
  if (check === 'missing') throw new InvalidSignatureError('The X-Signature header is missing or not of the form sha256=<hex>.');
  if (check === 'mismatch') throw new InvalidSignatureError('The X-Signature does not match the body.');
}
