/**
 * A clock for tests: the system's time plus an offset that only the test moves forward, so
 * what depends on time (a hold's expiry, a sale's end, a cart's sliding TTL) is reached by
 * `advance` instead of a wait, while time still flows as the platform expects between steps.
 */
export interface TestClock {
  (): Date;
  /** The clock's time in ms (as Date.now()). */
  nowMs(): number;
  /** Moves the clock forward; what was due before the new time is due now. */
  advance(ms: number): void;
}

export function offsetClock(): TestClock {
  let offset = 0;
  const nowMs = () => Date.now() + offset;
  return Object.assign(() => new Date(nowMs()), {
    nowMs,
    advance(ms: number) {
      if (!(ms >= 0)) throw new Error(`A clock only moves forward, not by ${ms} ms`);
      offset += ms;
    },
  });
}
