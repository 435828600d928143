import { hmacSignature, verifyHmacSignature } from '#shared/platform/hmac-signature';

/**
 * The signature of the warehouse hand-over: `X-Signature: sha256=<hex HMAC-SHA256 of the
 * body>` (the platform's HMAC signature). Kept apart from the HTTP adapter so that the
 * simulated warehouse (which checks it) loads no AWS client.
 */
export const SIGNATURE_HEADER = 'x-signature';

/** `sha256=<hex HMAC-SHA256 of body>`, the value of X-Signature. */
export const signWarehouseBody: (body: string | Buffer, secret: string) => string = hmacSignature;

/** Whether `header` is the signature of `body` (constant-time comparison of the digests). */
export const verifyWarehouseSignature: (body: string | Buffer, header: string | undefined, secret: string) => boolean = verifyHmacSignature;
