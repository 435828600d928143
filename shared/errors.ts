/**
 * Named domain errors. Each carries a stable `code` (part of the public API, see api.md);
 * shared/http/problem.ts maps codes to HTTP statuses. Domain code throws these and never
 * knows about HTTP.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Extra members of the problem document (`skus`, `errors`, ...). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly errors: readonly FieldError[],
  ) {
    super('validation_failed', message, { errors });
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message: string) {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class ConflictError extends DomainError {}

export class IdempotencyConflictError extends DomainError {
  constructor(message: string) {
    super('idempotency_conflict', message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

/** A dependency cannot serve the request now; the client may retry (503). */
export class UnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super('service_unavailable', message, { retryAfterSeconds });
  }
}

/**
 * A dependency did not answer within the request's time budget, refused the connection or
 * throttled it past its retries. The dependency's own error is the `cause` (for the log);
 * the message is fit for the caller.
 */
export class DependencyUnavailableError extends UnavailableError {
  constructor(options: { cause: unknown; retryAfterSeconds?: number }) {
    super('A service this request depends on did not answer in time. Retry after the delay in Retry-After, with the same Idempotency-Key if you sent one.', options.retryAfterSeconds ?? 2);
    this.cause = options.cause;
  }
}

/** A request with the same Idempotency-Key is still running; retry after a moment (409). */
export class RequestInProgressError extends DomainError {
  constructor(readonly retryAfterSeconds = 2) {
    super('request_in_progress', 'A request with this Idempotency-Key is still being processed. Retry with the same key shortly.', { retryAfterSeconds });
  }
}
