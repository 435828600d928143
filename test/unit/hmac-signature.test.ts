import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const compared = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { checkHmacSignature, hmacSignature, verifyHmacSignature } = await import('#shared/platform/hmac-signature');

const secret = 'whsec-test';
const body = '{"orderId":"ord_1","status":"PICKED"}';

describe('HMAC signatures', () => {
  it('signs as sha256=<hex HMAC-SHA256 of the body>, and verifies its own signature', () => {
    const signature = hmacSignature(body, secret);
    expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    expect(verifyHmacSignature(body, signature, secret)).toBe(true);
    expect(verifyHmacSignature(Buffer.from(body), signature, secret)).toBe(true);
    expect(checkHmacSignature(body, ` ${signature.toUpperCase().replace('SHA256=', 'sha256=')} `, secret)).toBe('valid');
  });

  it('refuses a missing or malformed header without comparing anything', () => {
    compared.calls = 0;
    for (const header of [undefined, '', 'sha256=', 'sha256=zz', `md5=${'0'.repeat(64)}`, `sha256=${'0'.repeat(63)}`]) {
      expect(checkHmacSignature(body, header, secret)).toBe('missing');
      expect(verifyHmacSignature(body, header, secret)).toBe(false);
    }
    expect(compared.calls).toBe(0);
  });

  it('refuses another body, another secret or a forged digest, compared in constant time', () => {
    compared.calls = 0;
    const signature = hmacSignature(body, secret);
    expect(checkHmacSignature(`${body} `, signature, secret)).toBe('mismatch');
    expect(checkHmacSignature(body, signature, 'another-secret')).toBe('mismatch');
    expect(checkHmacSignature(body, `sha256=${'0'.repeat(64)}`, secret)).toBe('mismatch');
    expect(compared.calls).toBe(3);
  });
});
