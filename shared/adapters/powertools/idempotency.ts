import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { IdempotencyConflictError, RequestInProgressError } from '#shared/errors';
import { checkedKey, type Idempotency, type IdempotentRequest, type StoredResponse } from '#shared/http/idempotency';
import { ANSWER_RESERVE_MS, pauseBeforeRetry, remainingBudgetMs, runWithBudget } from '#shared/platform/deadline';

/**
 * `Idempotency-Key` handling with Powertools idempotency: the first request with a key
 * records an in-progress marker, runs, and stores its response; the same key with the
 * same body answers that response again; the same key with another body is
 * `409 idempotency_conflict`. A concurrent duplicate waits for the first to finish and
 * then answers its response, so twenty simultaneous retries still do the work once, and
 * waits no longer than its invocation has left (its time budget, its Lambda context): then
 * it answers `409 request_in_progress` with `Retry-After`. The work itself runs in a slightly
 * shorter budget, so that the record can still be completed or removed when the work runs
 * out of time. A record left in progress by a process that died (neither completed nor
 * removed) stops blocking its key after `inProgressExpiresAfterMs`, and the retry runs.
 * The key is scoped to shop, caller, route and path, so two customers cannot collide.
 */
export interface IdempotencyOptions {
  readonly persistenceStore: BasePersistenceLayer;
  /** How long a key is remembered. @default 86400 (24 hours) */
  readonly expiresAfterSeconds?: number;
  /**
   * How long a duplicate waits for the first request to finish, at most; the invocation's
   * remaining time cuts it shorter. @default 10000 (the platform's default function timeout)
   */
  readonly waitForInProgressMs?: number;
  /**
   * How long a record stays in progress when its process dies before completing or removing
   * it: the function's timeout and a margin (a live invocation never outlasts its timeout).
   * @default the invocation's remaining time when the Lambda context is known, else until the key expires
   */
  readonly inProgressExpiresAfterMs?: number;
}

/** Kept from the work's budget for the store's write of its outcome (or the record's removal). */
const RECORD_RESERVE_MS = 200;

export async function runIdempotently(options: IdempotencyOptions, request: IdempotentRequest): Promise<StoredResponse> {
  const key = checkedKey(request.mode, request.key);
  if (!key) return request.execute();

  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'payload',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 86_400,
    throwOnNoIdempotencyKey: true,
  });
  registerInProgressExpiry(config, options, request.context);
  const run = makeIdempotent(
    async (_input: { key: string; payload: unknown }, execute: () => Promise<StoredResponse>) => {
      const response = await execute();
      return { status: response.status, headers: response.headers ?? {}, body: response.body ?? null };
    },
    { persistenceStore: options.persistenceStore, config, dataIndexArgument: 0, keyPrefix: 'http' },
  );

  try {
    const stored = (await waitWhileInProgress(options, request.context, () =>
      run({ key: `${request.scope}|${key}`, payload: request.payload }, () => leavingRoomToRecord(request.execute)),
    )) as StoredResponse;
    return { status: stored.status, headers: stored.headers, body: stored.body === null ? undefined : stored.body };
  } catch (error) {
    if (error instanceof IdempotencyValidationError) {
      throw new IdempotencyConflictError('This Idempotency-Key was already used with a different request body. Use a new key for a new request.');
    }
    throw error;
  }
}

/** Runs `work` in a budget shorter by what the store needs to record its outcome. */
function leavingRoomToRecord<T>(work: () => Promise<T>): Promise<T> {
  const remaining = remainingBudgetMs();
  return remaining === undefined ? work() : runWithBudget(remaining - RECORD_RESERVE_MS, work);
}

/**
 * When a record left in progress stops blocking its key: Powertools takes it from the
 * registered Lambda context's remaining time, so the context registered is one that
 * answers `inProgressExpiresAfterMs` when set (the invocation's own remaining time is
 * shorter than the function's timeout, and a margin covers the clocks of two processes).
 */
function registerInProgressExpiry(config: IdempotencyConfig, options: IdempotencyOptions, context: Context | undefined): void {
  const bound = options.inProgressExpiresAfterMs;
  if (bound !== undefined) config.registerLambdaContext({ ...(context ?? {}), getRemainingTimeInMillis: () => bound } as Context);
  else if (context) config.registerLambdaContext(context);
}

/** How long a duplicate may wait when nothing else bounds it: the platform's default function timeout. */
const DEFAULT_WAIT_MS = 10_000;

/**
 * When a duplicate stops waiting: the wait limit, the time budget and the Lambda
 * context's remaining time (less the time to answer), whichever comes first.
 */
function waitDeadline(options: IdempotencyOptions, context: Context | undefined): number {
  const now = Date.now();
  const budget = remainingBudgetMs();
  return Math.min(
    now + (options.waitForInProgressMs ?? DEFAULT_WAIT_MS),
    budget === undefined ? Number.POSITIVE_INFINITY : now + budget,
    context ? now + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS : Number.POSITIVE_INFINITY,
  );
}

/**
 * Runs `attempt` again (with backoff and jitter) while a concurrent first run holds the
 * record, as long as the wait's deadline leaves room for one more attempt; then
 * RequestInProgressError (409 with Retry-After).
 */
async function waitWhileInProgress<T>(options: IdempotencyOptions, context: Context | undefined, attempt: () => Promise<T>): Promise<T> {
  const deadline = waitDeadline(options, context);
  for (let retry = 1; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
      if (!(await pauseBeforeRetry(retry, { baseMs: 50, maxMs: 500, deadline }))) throw new RequestInProgressError();
    }
  }
}

/**
 * Runs `work` once per `id` (a webhook's event id, a message id): a repeat answers the
 * first result without running again; a concurrent repeat waits for the first (within the
 * budget, else RequestInProgressError). The first run's failure keeps no record, so the
 * sender's retry runs it again.
 */
export async function processOnce<T>(options: IdempotencyOptions, id: string, work: () => Promise<T>, context?: Context): Promise<T> {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'id', expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 86_400, throwOnNoIdempotencyKey: true });
  registerInProgressExpiry(config, options, context);
  const run = makeIdempotent(async (_input: { id: string }) => ({ result: await leavingRoomToRecord(work) }), { persistenceStore: options.persistenceStore, config, keyPrefix: 'once' });
  return ((await waitWhileInProgress(options, context, () => run({ id }))) as { result: T }).result;
}

/** The platform's Idempotency port on a Powertools persistence layer. */
export function powertoolsIdempotency(options: IdempotencyOptions): Idempotency {
  return {
    run: (request) => runIdempotently(options, request),
    processOnce: (id, work, context) => processOnce(options, id, work, context),
  };
}
