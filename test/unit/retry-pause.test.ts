import { describe, expect, it } from 'vitest';
import { backoffMs, MIN_ATTEMPT_MS, pauseBeforeRetry, runWithBudget } from '#shared/platform/deadline';

/** Jittered backoff within a budget, on an injected clock, random source and sleep (no real waiting). */
function world(startMs = 1_000_000) {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    clock: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('pauseBeforeRetry', () => {
  it('waits a jittered, growing pause between half and all of its capped ceiling', async () => {
    for (const random of [0, 0.5, 0.999]) {
      const { slept, clock, sleep } = world();
      for (let retry = 1; retry <= 6; retry++) expect(await pauseBeforeRetry(retry, { baseMs: 10, maxMs: 200, clock, sleep, random: () => random })).toBe(true);
      slept.forEach((ms, i) => {
        const ceiling = Math.min(200, 10 * 2 ** i);
        expect(ms).toBe(backoffMs(i + 1, 10, 200, () => random));
        expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
        expect(ms).toBeLessThanOrEqual(ceiling);
      });
    }
  });

  it('never waits past its deadline: it stops while an attempt still fits', async () => {
    const { slept, clock, sleep } = world();
    const deadline = clock() + 2_000;
    let retries = 0;
    while (await pauseBeforeRetry(retries + 1, { baseMs: 50, maxMs: 500, deadline, clock, sleep, random: Math.random })) retries++;
    const waited = slept.reduce((sum, ms) => sum + ms, 0);
    expect(retries).toBeGreaterThan(2);
    expect(deadline - (clock() + 0)).toBeGreaterThanOrEqual(MIN_ATTEMPT_MS);
    expect(waited).toBeLessThanOrEqual(2_000 - MIN_ATTEMPT_MS);
  });

  it('refuses at once, without waiting, when the pause would leave no room for the attempt', async () => {
    const { slept, clock, sleep } = world();
    expect(await pauseBeforeRetry(1, { baseMs: 100, maxMs: 100, deadline: clock() + 150, clock, sleep, random: () => 1 })).toBe(false);
    expect(slept).toEqual([]);
  });

  it('stays within the invocation budget when no deadline is given', async () => {
    const { slept, sleep } = world();
    // The budget is read from the real clock; the injected sleep does not advance it, so a 1 s pause never fits 1 s.
    const answer = await runWithBudget(1_000, () => pauseBeforeRetry(1, { baseMs: 1_000, maxMs: 1_000, sleep, random: () => 1 }));
    expect(answer).toBe(false);
    expect(slept).toEqual([]);
    expect(await runWithBudget(10_000, () => pauseBeforeRetry(1, { baseMs: 1_000, maxMs: 1_000, sleep, random: () => 1 }))).toBe(true);
    expect(slept).toEqual([1_000]);
  });
});
