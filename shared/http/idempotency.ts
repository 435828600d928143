import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { DomainError, IdempotencyConflictError, ValidationError } from '#shared/errors';

/**
 * `Idempotency-Key` handling with Powertools idempotency: the first request with a key
 * records an in-progress marker, runs, and stores its response; the same key with the
 * same body answers that response again; the same key with another body is
 * `409 idempotency_conflict`. A concurrent duplicate waits for the first to finish and
 * then answers its response, so twenty simultaneous retries still do the work once.
 * The key is scoped to shop, caller, route and path, so two customers cannot collide.
 */
export interface IdempotencyOptions {
  readonly persistenceStore: BasePersistenceLayer;
  /** How long a key is remembered. @default 86400 (24 hours) */
  readonly expiresAfterSeconds?: number;
  /** How long a duplicate waits for the first request to finish. @default 25000 */
  readonly waitForInProgressMs?: number;
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

export async function runIdempotently(options: IdempotencyOptions, request: IdempotentRequest): Promise<StoredResponse> {
  const key = request.key?.trim();
  if (!key) {
    if (request.mode === 'required') {
      throw new DomainError('idempotency_key_required', 'This request moves money or stock: send an `Idempotency-Key` header (any unique string up to 255 characters) and reuse it when you retry.');
    }
    return request.execute();
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new ValidationError('The Idempotency-Key header is too long.', [{ path: 'header.idempotency-key', message: `at most ${MAX_KEY_LENGTH} characters` }]);
  }

  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'payload',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400,
    throwOnNoIdempotencyKey: true,
  });
  // With the Lambda context, a request that died mid-way leaves a marker that expires with
  // the invocation's timeout, so the client's retry can run instead of waiting a day.
  if (request.context) config.registerLambdaContext(request.context);
  const run = makeIdempotent(
    async (_input: { key: string; payload: unknown }, execute: () => Promise<StoredResponse>) => {
      const response = await execute();
      return { status: response.status, headers: response.headers ?? {}, body: response.body ?? null };
    },
    { persistenceStore: options.persistenceStore, config, dataIndexArgument: 0, keyPrefix: 'http' },
  );

  try {
    const stored = (await waitWhileInProgress(options, () => run({ key: `${request.scope}|${key}`, payload: request.payload }, request.execute))) as StoredResponse;
    return { status: stored.status, headers: stored.headers, body: stored.body === null ? undefined : stored.body };
  } catch (error) {
    if (error instanceof IdempotencyValidationError) {
      throw new IdempotencyConflictError('This Idempotency-Key was already used with a different request body. Use a new key for a new request.');
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      throw new DomainError('request_in_progress', 'A request with this Idempotency-Key is still being processed. Retry with the same key shortly.', { retryAfterSeconds: 2 });
    }
    throw error;
  }
}

/** Runs `attempt` again (with backoff) while a concurrent first run holds the record, up to the wait limit; then its error stands. */
async function waitWhileInProgress<T>(options: IdempotencyOptions, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (options.waitForInProgressMs ?? 25_000);
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** tries, 500)));
    }
  }
}

/**
 * Runs `work` once per `id` (a webhook's event id, a message id): a repeat answers the
 * first result without running again; a concurrent repeat waits for the first. The first
 * run's failure keeps no record, so the sender's retry runs it again.
 */
export async function processOnce<T>(options: IdempotencyOptions, id: string, work: () => Promise<T>, context?: Context): Promise<T> {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 86_400, throwOnNoIdempotencyKey: true });
  if (context) config.registerLambdaContext(context);
  const run = makeIdempotent(async (_input: { id: string }) => ({ result: await work() }), { persistenceStore: options.persistenceStore, config, keyPrefix: 'once' });
  return ((await waitWhileInProgress(options, () => run({ id }))) as { result: T }).result;
}
