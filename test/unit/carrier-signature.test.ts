import { describe, expect, it } from 'vitest';
import { InvalidSignatureError } from '#shared/checkout/payment-gateway';
import { signCarrierBody, verifyCarrierSignature } from '#shared/webhooks/carrier-signature';

/**
 * The carrier webhook's signature, checked before the path is validated: the secret is looked up
 * by the raw carrier name, so `constructor` or `__proto__` may find something that is no secret.
 */
describe('carrier signature', () => {
  const body = '{"eventId":"e1"}';

  it('accepts the HMAC of the body made with the carrier secret', () => {
    expect(() => verifyCarrierSignature(body, signCarrierBody(body, 's3cret'), 's3cret')).not.toThrow();
  });

  it('refuses, as a bad signature, a lookup that found no string secret', () => {
    for (const found of [undefined, '', Object.prototype.constructor, Object.prototype, 42]) {
      expect(() => verifyCarrierSignature(body, signCarrierBody(body, 'anything'), found)).toThrow(InvalidSignatureError);
    }
  });
});
