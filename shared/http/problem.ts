import { DependencyUnavailableError, DomainError, RateLimitedError, UnavailableError } from '#shared/errors';

/**
 * The one mapper from domain error codes to HTTP statuses and RFC 9457 problem documents.
 * A 5xx says nothing of internals: its code, a fixed sentence and a reference the operator
 * finds in the logs. A code missing here is a bug, answered as `500 internal_error`
 * (test/unit/error-codes.test.ts fails on any code thrown in the source but not listed).
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
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
  shop_exists: 409,
  tracking_number_taken: 409,
  items_unavailable: 409,
  payment_state: 409,
  reservation_not_active: 409,
  not_started: 409,
  ended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  cart_empty: 422,
  cart_too_large: 422,
  rate_limited: 429,
  internal_error: 500,
  // Raised by event handlers (no HTTP caller); listed so that any route meeting them answers a 5xx.
  malformed_order_event: 500,
  warehouse_rejected: 502,
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
  502: 'Bad Gateway',
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

/** The status of a code; an unknown code is a bug of ours, so a 500 (never a 400 that blames the caller). */
export function statusOf(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export function isKnownCode(code: string): boolean {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

export function problem(code: string, detail: string, extra: Readonly<Record<string, unknown>> = {}, instance?: string): ProblemResponse {
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

/**
 * Maps anything thrown to a problem: a domain error by its code, a dependency that failed
 * (see unavailableFrom) as `503 service_unavailable`; `undefined` for anything else,
 * including a domain error whose code has no status (the caller answers 500 with a reference).
 * A 5xx keeps only its code and Retry-After: its message may quote a dependency (a host, a
 * status, a body) and goes to the log, while the caller gets a fixed sentence and `reference`.
 */
export function problemFromError(error: unknown, reference?: string): ProblemResponse | undefined {
  const domain = error instanceof DomainError ? error : unavailableFrom(error);
  if (!domain || !isKnownCode(domain.code)) return undefined;
  const retry = domain instanceof RateLimitedError || domain instanceof UnavailableError ? { retryAfterSeconds: domain.retryAfterSeconds } : {};
  if (statusOf(domain.code) >= 500) {
    return problem(domain.code, publicDetail(domain.code, reference), { ...retry, ...(reference ? { reference } : {}) });
  }
  return problem(domain.code, domain.message, { ...domain.extra, ...retry });
}

function publicDetail(code: string, reference: string | undefined): string {
  if (code === 'service_unavailable') {
    return 'A service this request depends on cannot serve it now. Retry after the delay in Retry-After, with the same Idempotency-Key if you sent one.';
  }
  return reference ? `The request could not be completed. Retry later; if it persists, report reference ${reference}.` : 'The request could not be completed. Retry later.';
}

/**
 * The one place that recognizes a dependency's failure: an UnavailableError, thrown or in
 * the cause chain (Powertools idempotency wraps its store's errors), or a raw error of an
 * SDK or socket meaning the dependency is slow, down or overloaded. The latter becomes a
 * DependencyUnavailableError whose message says nothing of the dependency's own words.
 */
export function unavailableFrom(error: unknown): UnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++, current = current.cause) {
    if (current instanceof UnavailableError) return current;
    if (current instanceof DomainError) return undefined;
    if (isDependencyFailure(current)) return new DependencyUnavailableError({ cause: error });
  }
  return undefined;
}

const FAILURE_NAMES = new Set([
  // timeouts and aborts: the AWS SDK, fetch (AbortSignal.timeout), OpenSearch, our budget
  'TimeoutError',
  'AbortError',
  'DeadlineExceededError',
  'RequestTimeout',
  'RequestTimeoutException',
  // AWS throttling and server faults, after the SDK's retries
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
  // ioredis and OpenSearch connections
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'ConnectionError',
  'NoLivingConnectionsError',
]);

const FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

// Node's and ioredis's own words for a connection that failed or a command that timed out,
// and the Redis replies of a server that cannot serve now.
const FAILURE_MESSAGES = /^(socket hang up|Command timed out|Connection is closed|Stream isn't writeable|(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN)\b)/;

function isDependencyFailure(error: Error): boolean {
  if (FAILURE_NAMES.has(error.name)) return true;
  const { code, $metadata, $fault, statusCode } = error as Error & { code?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: string; statusCode?: unknown };
  if (typeof code === 'string' && FAILURE_CODES.has(code)) return true;
  if (FAILURE_MESSAGES.test(error.message)) return true;
  // An AWS service's 5xx or 429 that outlasted the SDK's retries.
  if ($metadata && ($metadata.httpStatusCode === 429 || ($fault === 'server' && ($metadata.httpStatusCode ?? 0) >= 500))) return true;
  // OpenSearch's ResponseError for an overloaded or unreachable domain.
  return error.name === 'ResponseError' && (statusCode === 429 || statusCode === 502 || statusCode === 503 || statusCode === 504);
}

export function internalProblem(reference: string): ProblemResponse {
  return problem('internal_error', publicDetail('internal_error', reference), { reference });
}
