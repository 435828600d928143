/**
 * Timers that fire only when the test advances them: injected where a component schedules
 * work (the simulated warehouse's pick delay, the local schedules' periods), so a test
 * reaches "the delay has passed" or "no tick comes after stop" without waiting for it.
 */
export interface ManualTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(timer: unknown): void;
  /** Moves time forward by `ms`, running each timer that falls due, in order of its time. */
  advance(ms: number): void;
  /** Timers scheduled and neither fired (for a timeout) nor cleared. */
  readonly pending: number;
}

export function manualTimers(): ManualTimers {
  let now = 0;
  let sequence = 0;
  const timers = new Map<number, { at: number; run: () => void; every?: number }>();
  const add = (run: () => void, ms: number, every?: number) => {
    const id = ++sequence;
    timers.set(id, { at: now + Math.max(0, ms), run, ...(every !== undefined ? { every: Math.max(1, every) } : {}) });
    return id;
  };
  const clear = (timer: unknown) => void timers.delete(timer as number);
  return {
    setTimeout: (run, ms) => add(run, ms),
    clearTimeout: clear,
    setInterval: (run, ms) => add(run, ms, ms),
    clearInterval: clear,
    advance(ms) {
      if (!(ms >= 0)) throw new Error(`Time only moves forward, not by ${ms} ms`);
      const until = now + ms;
      for (;;) {
        let next: [number, { at: number; run: () => void; every?: number }] | undefined;
        for (const entry of timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        const [id, timer] = next;
        now = timer.at;
        if (timer.every === undefined) timers.delete(id);
        else timer.at += timer.every;
        timer.run();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
  };
}
