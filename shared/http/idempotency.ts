import type { Context } from 'aws-lambda';
import { DomainError, ValidationError } from '#shared/errors';

/**
 * Idempotency as the HTTP edge and the webhooks need it (the port; the Powertools
 * implementation is in shared/adapters/powertools/idempotency): `run` answers a request
 * once per `Idempotency-Key` (the same key and body answer the stored response again, the
 * same key with another body is `409 idempotency_conflict`, a concurrent duplicate waits for
 * the first within its budget); `processOnce` runs work once per id (a webhook's event id).
 */
export interface Idempotency {
  run(request: IdempotentRequest): Promise<StoredResponse>;
  processOnce<T>(id: string, work: () => Promise<T>, context?: Context): Promise<T>;
}

export interface StoredResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface IdempotentRequest {
  readonly mode: 'required' | 'optional';
  readonly key: string | undefined;
  readonly scope: string;
  readonly payload: unknown;
  readonly context: Context | undefined;
  readonly execute: () => Promise<StoredResponse>;
}

const MAX_KEY_LENGTH = 255;

/**
 * The request's Idempotency-Key, checked: absent is refused when the route requires one
 * (undefined when optional), longer than 255 characters is refused.
 */
export function checkedKey(mode: IdempotentRequest['mode'], given: string | undefined): string | undefined {
  const key = given?.trim();
  if (!key) {
    if (mode === 'required') {
      throw new DomainError('idempotency_key_required', 'This request moves money or stock: send an `Idempotency-Key` header (any unique string up to 255 characters) and reuse it when you retry.');
    }
    return undefined;
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new ValidationError('The Idempotency-Key header is too long.', [{ path: 'header.idempotency-key', message: `at most ${MAX_KEY_LENGTH} characters` }]);
  }
  return key;
}

/**
 * For a route whose use case keeps its Idempotency-Key record itself, within its own
 * writes (checkout: read with the cart, claimed with the reservation, answered with the
 * order): the edge checks the key and records nothing, so the key costs no call of its own.
 */
export function keptByTheUseCase(): Idempotency {
  return {
    async run(request) {
      checkedKey(request.mode, request.key);
      return request.execute();
    },
    processOnce() {
      throw new Error('keptByTheUseCase() is for routes whose use case keeps its own key; use the idempotency store to process work once.');
    },
  };
}
