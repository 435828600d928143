/**
 * Interactive requests in flight in this local runtime, so that background work (stream
 * backlogs, imports, sweeps) yields to them. In AWS each function runs in its own sandbox and
 * the limits are reserved concurrency and table capacity; locally everything shares one Node
 * process and one DynamoDB Local, so the pollers wait briefly while requests are being served.
 */
export interface ForegroundTracker {
  /** Marks one interactive request as started; call the returned function when it is answered. */
  enter(): () => void;
  /** Requests in flight now. */
  readonly inFlight: number;
  /**
   * Resolves when no interactive request is in flight, or after `maxWaitMs` at the latest, so
   * background work slows down under load but never stops.
   */
  quiet(maxWaitMs: number): Promise<void>;
}

export function createForegroundTracker(): ForegroundTracker {
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const release = () => {
    for (const wake of [...waiters]) wake();
  };
  return {
    enter() {
      inFlight++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        inFlight--;
        if (inFlight === 0) release();
      };
    },
    get inFlight() {
      return inFlight;
    },
    quiet(maxWaitMs) {
      if (inFlight === 0 || maxWaitMs <= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, maxWaitMs);
        timer.unref?.();
        waiters.add(done);
      });
    },
  };
}

/** The tracker of this process: the gateway enters it, the local pollers wait on it. */
export const foreground: ForegroundTracker = createForegroundTracker();
