import type { CapacityScheduler, WarmSchedule } from '#shared/flash-sales/warm-capacity';

/**
 * The local runtime has no provisioned concurrency. The nearest real thing: at `warmAt` it
 * loads the warmed handlers (their imports and their init warm-up: the Redis connection, the
 * open sales in the cache), so the drop's first entries do not pay the module load. The local
 * runtime registers how it warms (setLocalWarmUp); the schedule is kept in memory.
 */
export type LocalWarmUp = () => Promise<void>;

export interface LocalWarmRecord extends WarmSchedule {
  /** When the handlers were loaded for this sale (absent until `warmAt`). */
  readonly warmedAt?: Date;
}

let warmUp: LocalWarmUp | undefined;
const scheduled = new Map<string, { record: LocalWarmRecord; timer: NodeJS.Timeout }>();

/** The local runtime's warm-up (undefined when it stops: pending schedules are dropped). */
export function setLocalWarmUp(fn: LocalWarmUp | undefined): void {
  warmUp = fn;
  if (!fn) {
    for (const { timer } of scheduled.values()) clearTimeout(timer);
    scheduled.clear();
  }
}

/** The schedules of this process, by sale (what a test or an operator looks at). */
export function localWarmSchedules(): readonly LocalWarmRecord[] {
  return [...scheduled.values()].map(({ record }) => record);
}

export function localCapacityScheduler(clock: () => Date, log: (message: string, details: Record<string, unknown>) => void): CapacityScheduler {
  const key = (shopId: string, saleId: string) => `${shopId}#${saleId}`;
  return {
    schedule(warm: WarmSchedule): Promise<void> {
      const id = key(warm.shopId, warm.saleId);
      const earlier = scheduled.get(id);
      if (earlier) clearTimeout(earlier.timer);
      const run = async () => {
        try {
          await warmUp?.();
          const entry = scheduled.get(id);
          if (entry) scheduled.set(id, { ...entry, record: { ...entry.record, warmedAt: clock() } });
        } catch (error) {
          log('flash sale warm-up failed', { shopId: warm.shopId, saleId: warm.saleId, error: String(error) });
        }
      };
      const timer = setTimeout(() => void run(), Math.max(0, warm.warmAt.getTime() - clock().getTime()));
      // A schedule never keeps the process alive.
      timer.unref();
      scheduled.set(id, { record: { ...warm }, timer });
      return Promise.resolve();
    },

    release(sale): Promise<void> {
      const id = key(sale.shopId, sale.saleId);
      const entry = scheduled.get(id);
      if (entry) clearTimeout(entry.timer);
      scheduled.delete(id);
      return Promise.resolve();
    },
  };
}
