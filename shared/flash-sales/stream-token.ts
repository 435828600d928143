import { createHmac, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '#shared/errors';

/**
 * The token in a ticket's `streamUrl`: it lets a browser's EventSource (which cannot send an
 * Authorization header) open the ticket's stream without a bearer token in a URL. It names one
 * ticket of one customer, and expires with the ticket (`ticketEndsAt`: the sale's end plus its
 * hold time, after which the ticket can change no more). HMAC-SHA256 over the claims with the
 * stream token secret; no state is kept, so any process verifies it.
 *
 * Format: `<base64url JSON claims>.<base64url HMAC>`.
 */
export interface StreamClaims {
  readonly shopId: string;
  readonly saleId: string;
  readonly ticket: number;
  readonly customerId: string;
  /** Epoch seconds after which the token is refused. */
  readonly expiresAt: number;
}

interface Wire {
  readonly s: string;
  readonly a: string;
  readonly t: number;
  readonly c: string;
  readonly e: number;
}

const MAX_TOKEN_LENGTH = 2_048;

export function signStreamToken(claims: StreamClaims, secret: string): string {
  const wire: Wire = { s: claims.shopId, a: claims.saleId, t: claims.ticket, c: claims.customerId, e: claims.expiresAt };
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

/**
 * The claims of a genuine, unexpired token for this ticket. A missing, malformed, forged or
 * expired token is `401 unauthorized`; a genuine token for another ticket (or sale, or shop) is
 * `403 forbidden`.
 */
export function verifyStreamToken(token: string | undefined, expected: { readonly shopId: string; readonly saleId: string; readonly ticket: number }, secret: string, now: Date): StreamClaims {
  if (!token) throw new UnauthorizedError('A stream token is required: open the streamUrl of the entry answer.');
  const [payload, signature, extra] = token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  if (!payload || !signature || extra !== undefined || !sameMac(signature, mac(payload, secret))) throw new UnauthorizedError('The stream token is not genuine.');
  const claims = parse(payload);
  if (!claims) throw new UnauthorizedError('The stream token is not genuine.');
  if (claims.expiresAt * 1000 <= now.getTime()) throw new UnauthorizedError('The stream token has expired, as has its ticket.');
  if (claims.shopId !== expected.shopId || claims.saleId !== expected.saleId || claims.ticket !== expected.ticket) {
    throw new ForbiddenError('The stream token is for another ticket.');
  }
  return claims;
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parse(payload: string): StreamClaims | undefined {
  try {
    const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Wire>;
    if (typeof wire.s !== 'string' || typeof wire.a !== 'string' || typeof wire.c !== 'string' || !Number.isInteger(wire.t) || !Number.isInteger(wire.e)) return undefined;
    return { shopId: wire.s, saleId: wire.a, ticket: wire.t!, customerId: wire.c, expiresAt: wire.e! };
  } catch {
    return undefined;
  }
}
