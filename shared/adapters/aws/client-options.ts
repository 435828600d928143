import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { attemptTimeoutMs, backoffMs, MIN_ATTEMPT_MS, remainingBudgetMs } from '#shared/platform/deadline';

/**
 * The one way this code base configures an AWS SDK client: a connection timeout, a
 * per-attempt timeout capped by the invocation's remaining budget (shared/platform/deadline),
 * and retries with exponential backoff and jitter that are refused when the next attempt
 * would not fit in the budget, or when the client's retry quota is spent (a dependency
 * that keeps failing gets fewer retries, not more load).
 *
 * The cap is applied in the request handler rather than in a middleware: the SDK hands
 * the handler the options given to `send()` (captured when the command is resolved), so
 * no middleware can change one attempt's timeout.
 */
export interface AwsCallLimits {
  /** Names the dependency in errors. */
  readonly service: string;
  /** @default 1000 */
  readonly connectionTimeoutMs?: number;
  /** The longest one attempt may take (less when the budget has less left). */
  readonly requestTimeoutMs: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
}

export interface AwsClientOptions {
  readonly maxAttempts: number;
  readonly retryStrategy: RetryStrategyV2;
  readonly requestHandler: NodeHttpHandler;
}

export function awsClientOptions(limits: AwsCallLimits): AwsClientOptions {
  return {
    maxAttempts: limits.maxAttempts,
    retryStrategy: new BudgetedRetryStrategy(limits.maxAttempts),
    requestHandler: new BudgetedHttpHandler(limits),
  };
}

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];

/** Node's HTTP handler with each attempt's timeout capped by the remaining budget. */
class BudgetedHttpHandler extends NodeHttpHandler {
  readonly #limits: AwsCallLimits;

  constructor(limits: AwsCallLimits) {
    // throwOnRequestTimeout: without it the SDK only logs a warning when requestTimeout passes.
    super({ connectionTimeout: limits.connectionTimeoutMs ?? 1_000, requestTimeout: limits.requestTimeoutMs, throwOnRequestTimeout: true });
    this.#limits = limits;
  }

  override handle(request: HttpRequest, options: HttpHandlerOptions = {}) {
    // A DeadlineExceededError here is not retryable: the retry strategy gives up at once.
    const requestTimeout = attemptTimeoutMs(this.#limits.service, options.requestTimeout ?? this.#limits.requestTimeoutMs);
    return super.handle(request, { ...options, requestTimeout });
  }
}

const RETRY_QUOTA = 500;
const RETRY_COST = 5;
const TIMEOUT_RETRY_COST = 10;
const BASE_DELAY_MS = 50;
const THROTTLING_BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 1_000;
/** A Retry-After hint longer than this is not waited for. */
const MAX_HINT_MS = 5_000;

interface BudgetedToken extends RetryToken {
  readonly cost: number;
}

const token = (count: number, delay: number, cost: number): BudgetedToken => ({
  cost,
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

/**
 * Retries transient and throttling errors only, with exponential backoff and jitter (a
 * Retry-After hint is honoured), while attempts remain, the next attempt fits in the
 * budget, and the quota allows: each retry spends from it, each success refills it.
 */
export class BudgetedRetryStrategy implements RetryStrategyV2 {
  #quota = RETRY_QUOTA;

  constructor(readonly maxAttempts: number) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return token(0, 0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retry = previous.getRetryCount() + 1;
    if (info.errorType !== 'TRANSIENT' && info.errorType !== 'THROTTLING') throw new Error('not retryable');
    if (retry >= this.maxAttempts) throw new Error('no attempts left');
    const cost = info.error?.name === 'TimeoutError' ? TIMEOUT_RETRY_COST : RETRY_COST;
    if (this.#quota < cost) throw new Error('retry quota spent');
    let delay = backoffMs(retry, info.errorType === 'THROTTLING' ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS, MAX_DELAY_MS);
    if (info.retryAfterHint) delay = Math.max(delay, Math.min(MAX_HINT_MS, info.retryAfterHint.getTime() - Date.now()));
    const remaining = remainingBudgetMs();
    if (remaining !== undefined && remaining - delay < MIN_ATTEMPT_MS) throw new Error('no time left for another attempt');
    this.#quota -= cost;
    return token(retry, delay, cost);
  }

  recordSuccess(previous: RetryToken): void {
    this.#quota = Math.min(RETRY_QUOTA, this.#quota + Math.max(1, (previous as BudgetedToken).cost ?? 0));
  }
}
