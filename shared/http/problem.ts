import { DomainError, RateLimitedError, UnavailableError } from '#shared/errors';

/**
 * The one mapper from domain error codes to HTTP statuses and RFC 9457 problem documents.
 * A 500 says nothing of internals: only a reference the operator can find in the logs.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  validation_failed: 400,
  malformed_json: 400,
  idempotency_key_required: 400,
  unauthorized: 401,
  invalid_signature: 401,
  payment_declined: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  out_of_stock: 409,
  insufficient_stock: 409,
  invalid_movement: 409,
  idempotency_conflict: 409,
  request_in_progress: 409,
  invalid_transition: 409,
  conflict: 409,
  checkout_expired: 409,
  hold_expired: 409,
  sale_exists: 409,
  items_unavailable: 409,
  payment_state: 409,
  reservation_not_active: 409,
  not_started: 409,
  ended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  cart_empty: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
};

const TITLE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [extra: string]: unknown;
}

export interface ProblemResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ProblemDocument;
}

export function statusOf(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

export function problem(
  code: string,
  detail: string,
  extra: Readonly<Record<string, unknown>> = {},
  instance?: string,
): ProblemResponse {
  const status = statusOf(code);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const { retryAfterSeconds, ...rest } = extra;
  if (typeof retryAfterSeconds === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  return {
    status,
    headers,
    body: {
      type: `urn:commerce:problem:${code}`,
      title: TITLE_BY_STATUS[status] ?? 'Error',
      status,
      detail,
      code,
      ...(instance ? { instance } : {}),
      ...rest,
    },
  };
}

/** Maps anything thrown to a problem; `undefined` for errors that are not domain errors (500). */
export function problemFromError(error: unknown, instance?: string): ProblemResponse | undefined {
  if (!(error instanceof DomainError)) return undefined;
  const extra: Record<string, unknown> = { ...error.extra };
  if (error instanceof RateLimitedError || error instanceof UnavailableError) {
    extra.retryAfterSeconds = error.retryAfterSeconds;
  }
  return problem(error.code, error.message, extra, instance);
}

export function internalProblem(reference: string): ProblemResponse {
  return problem(
    'internal_error',
    `The request could not be completed. Retry later; if it persists, report reference ${reference}.`,
    { reference },
  );
}
