import type { Context } from 'aws-lambda';

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
