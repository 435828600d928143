import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time budget of the current invocation: the moment by which every remote call must
 * have settled so the caller can still answer. The HTTP edge sets it from the Lambda
 * context (remaining time minus a reserve to answer); the clients of DynamoDB, SQS,
 * EventBridge, SES, Redis, Stripe, OpenSearch and the warehouse read it to cap each
 * attempt and to stop retrying when no attempt fits any more. Outside a budget (scripts,
 * the local runtime's own work) only the clients' own timeouts apply.
 */
const budgets = new AsyncLocalStorage<{ readonly deadline: number }>();

/** Time kept back from the Lambda timeout to log, flush metrics and answer. */
export const ANSWER_RESERVE_MS = 300;
/** Budget when there is no Lambda context (a test calling a handler): API Gateway's integration limit. */
export const DEFAULT_BUDGET_MS = 29_000;
/** Below this, an attempt at a remote call cannot succeed: it is not started. */
export const MIN_ATTEMPT_MS = 100;

/** Runs `work` with `budgetMs` from now; a budget inside another never extends it. */
export function runWithBudget<T>(budgetMs: number, work: () => T): T {
  const outer = budgets.getStore()?.deadline ?? Number.POSITIVE_INFINITY;
  return budgets.run({ deadline: Math.min(outer, Date.now() + Math.max(0, budgetMs)) }, work);
}

/** Runs a handler's `work` within what its Lambda context leaves, minus the time to answer. */
export function runWithInvocationBudget<T>(context: { getRemainingTimeInMillis(): number } | undefined, work: () => T): T {
  const budgetMs = context ? context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS : DEFAULT_BUDGET_MS;
  return runWithBudget(budgetMs, work);
}

/**
 * Runs `work` outside any budget: for what outlives the request that happens to start it
 * (a connection shared by the process, and the timers and reconnections it sets up).
 */
export function outsideBudget<T>(work: () => T): T {
  return budgets.exit(work);
}

/** Milliseconds left in the current budget (0 once past), or undefined outside any budget. */
export function remainingBudgetMs(): number | undefined {
  const budget = budgets.getStore();
  return budget ? Math.max(0, budget.deadline - Date.now()) : undefined;
}

/** A remote call refused because the caller's budget has no room for another attempt. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(what: string, remainingMs: number) {
    super(`${what}: not attempted, ${remainingMs} ms left of the invocation's time budget`);
  }
}

/**
 * The timeout of one attempt: the client's own, capped by the budget. Throws
 * DeadlineExceededError when less than MIN_ATTEMPT_MS (plus `keepMs`, time the caller
 * needs after the attempt) is left.
 */
export function attemptTimeoutMs(what: string, ownTimeoutMs: number, keepMs = 0): number {
  const remaining = remainingBudgetMs();
  if (remaining === undefined) return ownTimeoutMs;
  const available = remaining - keepMs;
  if (available < MIN_ATTEMPT_MS) throw new DeadlineExceededError(what, remaining);
  return Math.min(ownTimeoutMs, available);
}

/**
 * Exponential backoff with jitter before retry number `retry` (1 for the first): between
 * half and all of min(baseMs × 2^(retry-1), maxMs), so retries spread out and still grow.
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryPauseOptions {
  /** The first pause's ceiling; each retry doubles it, up to `maxMs`. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** When the next attempt must have room to run by (ms since the epoch), besides the invocation budget's end. */
  readonly deadline?: number;
  readonly clock?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Jittered backoff with a budget: waits `backoffMs(retry, baseMs, maxMs)` before retry
 * number `retry` (1 for the first) and answers true, or, when that wait would leave less
 * than MIN_ATTEMPT_MS for the attempt before `deadline` or the end of the invocation's
 * budget, waits not at all and answers false: the caller stops retrying and answers now.
 */
export async function pauseBeforeRetry(retry: number, options: RetryPauseOptions): Promise<boolean> {
  const { baseMs, maxMs, deadline = Number.POSITIVE_INFINITY, clock = Date.now, random = Math.random } = options;
  const pause = backoffMs(retry, baseMs, maxMs, random);
  const left = Math.min(deadline - clock(), remainingBudgetMs() ?? Number.POSITIVE_INFINITY);
  if (left - pause < MIN_ATTEMPT_MS) return false;
  await (options.sleep ?? sleep)(pause);
  return true;
}

/** `promise`, or DeadlineExceededError if the budget ends first (the work itself is not cancelled). */
export function beforeDeadline<T>(what: string, promise: Promise<T>): Promise<T> {
  const remaining = remainingBudgetMs();
  if (remaining === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, 0)), remaining);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
