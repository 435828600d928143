import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ANSWER_RESERVE_MS,
  attemptTimeoutMs,
  backoffMs,
  beforeDeadline,
  DEFAULT_BUDGET_MS,
  DeadlineExceededError,
  remainingBudgetMs,
  runWithBudget,
  runWithInvocationBudget,
} from '#shared/platform/deadline';

/** The invocation's time budget, on a fake clock. */
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('time budget', () => {
  it('exists only inside runWithBudget, counts down and never goes below zero', () => {
    expect(remainingBudgetMs()).toBeUndefined();
    runWithBudget(1_000, () => {
      expect(remainingBudgetMs()).toBe(1_000);
      vi.advanceTimersByTime(400);
      expect(remainingBudgetMs()).toBe(600);
      vi.advanceTimersByTime(5_000);
      expect(remainingBudgetMs()).toBe(0);
    });
  });

  it('follows asynchronous work, and a budget inside another never extends it', async () => {
    await runWithBudget(1_000, async () => {
      await Promise.resolve();
      expect(runWithBudget(60_000, () => remainingBudgetMs())).toBe(1_000);
      expect(runWithBudget(300, () => remainingBudgetMs())).toBe(300);
    });
  });

  it('takes the Lambda context less the reserve to answer, or a default without one', () => {
    expect(runWithInvocationBudget({ getRemainingTimeInMillis: () => 5_000 }, () => remainingBudgetMs())).toBe(5_000 - ANSWER_RESERVE_MS);
    expect(runWithInvocationBudget(undefined, () => remainingBudgetMs())).toBe(DEFAULT_BUDGET_MS);
  });

  it('caps an attempt to what is left, and refuses one that cannot fit', () => {
    expect(attemptTimeoutMs('x', 3_000)).toBe(3_000);
    runWithBudget(1_200, () => {
      expect(attemptTimeoutMs('x', 3_000)).toBe(1_200);
      expect(attemptTimeoutMs('x', 500)).toBe(500);
      expect(attemptTimeoutMs('x', 3_000, 1_000)).toBe(200);
      expect(() => attemptTimeoutMs('x', 3_000, 1_150)).toThrow(DeadlineExceededError);
    });
  });

  it('rejects a wait that outlasts the budget', async () => {
    const never = new Promise<never>(() => undefined);
    const waited = runWithBudget(500, () => beforeDeadline('Redis connection', never));
    const outcome = expect(waited).rejects.toBeInstanceOf(DeadlineExceededError);
    await vi.advanceTimersByTimeAsync(500);
    await outcome;
  });
});

describe('backoff', () => {
  it('doubles from the base with jitter between half and all of it, up to the cap', () => {
    expect([1, 2, 3, 4].map((retry) => backoffMs(retry, 50, 300, () => 0))).toEqual([25, 50, 100, 150]);
    expect([1, 2, 3, 4].map((retry) => backoffMs(retry, 50, 300, () => 1))).toEqual([50, 100, 200, 300]);
  });
});
