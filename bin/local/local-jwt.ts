import { createSecretKey } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * Local stand-in for the Cognito JWT authorizer: HS256 tokens signed with
 * LOCAL_JWT_SECRET, with the same claims the API reads in AWS (sub, groups, shops).
 */
export const LOCAL_ISSUER = 'commerce-local';
export const LOCAL_AUDIENCE = 'commerce-api';

export interface TokenClaims {
  readonly sub: string;
  readonly groups?: readonly string[];
  readonly shops?: readonly string[];
  readonly email?: string;
}

export async function signLocalToken(claims: TokenClaims, secret: string, expiresIn = '12h'): Promise<string> {
  const payload: JWTPayload = { groups: [...(claims.groups ?? [])], shops: [...(claims.shops ?? [])] };
  if (claims.email) payload.email = claims.email;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** Verifies like API Gateway's JWT authorizer would: signature, issuer, audience, expiry. */
export function localTokenVerifier(secret: string) {
  // A key object made once: handing jose the raw bytes re-imports the key on every request.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return async (token: string): Promise<JWTPayload> => {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    return payload;
  };
}

/** API Gateway hands claims to the function as strings; arrays become `[a b]`. */
export function claimsAsApiGateway(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    claims[name] = Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return claims;
}
