/**
 * The platform's EventBridge schedules (`rate(n minutes)` rules) as local timers: each
 * schedule's target is invoked with the same "Scheduled Event" payload EventBridge sends.
 */
import { randomUUID } from 'node:crypto';
import type { Schedule } from '#functions/events';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalInvoker } from './lambda-context';

type Log = (entry: Record<string, unknown>) => void;

/** What schedules a period (tests pass timers they advance). */
export interface ScheduleTimers {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(timer: unknown): void;
}

/** Node's timers, not keeping the process alive. */
const GLOBAL_TIMERS: ScheduleTimers = { setInterval: (run, ms) => setInterval(run, ms).unref(), clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout) };

const stderrLog: Log = (entry) => process.stderr.write(`${JSON.stringify(entry)}\n`);

/** The event EventBridge delivers for a scheduled rule. */
export function scheduledEvent(schedule: Schedule, now = new Date()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${schedule.id}`],
    detail: {},
  };
}

/** Runs each Schedule's target every `everyMinutes` (scaled by opts.timeScale, e.g. 1/60 to run a 1-minute schedule every second in tests), with a Scheduled Event payload like EventBridge's ({ 'detail-type': 'Scheduled Event', source: 'aws.events', resources: [ruleArn], detail: {} ...}). Never overlaps two runs of the same schedule; a failing run is logged and the next still happens. */
export function startSchedules(
  schedules: readonly Schedule[],
  invoke: LocalInvoker,
  opts: { timeScale?: number; log?: (entry: Record<string, unknown>) => void; timers?: ScheduleTimers } = {},
): { stop(): Promise<void>; runNow(id: string): Promise<void> } {
  const timeScale = opts.timeScale ?? 1;
  const log = opts.log ?? stderrLog;
  const timers = opts.timers ?? GLOBAL_TIMERS;
  if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);

  interface State {
    readonly schedule: Schedule;
    timer?: unknown;
    running?: Promise<void>;
  }
  const states = new Map<string, State>();
  let stopped = false;

  /** One run; resolves when the target has returned, rejects with its error (already logged). */
  const run = (state: State, trigger: 'timer' | 'runNow'): Promise<void> => {
    const { schedule } = state;
    const event = scheduledEvent(schedule);
    const started = Date.now();
    let running: Promise<void> | undefined = undefined;
    running = (async () => {
      await Promise.resolve(); // `running` is assigned before any of this runs
      try {
        await invoke(schedule.target, event);
      } catch (error) {
        log({ level: 'error', msg: 'scheduled run failed', scheduleId: schedule.id, target: schedule.target.id, trigger, eventId: event.id, durationMs: Date.now() - started, error: String(error) });
        throw error;
      } finally {
        // Cleared before `running` settles, so whoever awaited it sees the schedule free.
        if (state.running === running) state.running = undefined;
      }
    })();
    state.running = running;
    return running;
  };

  for (const schedule of schedules) {
    if (states.has(schedule.id)) throw new Error(`Duplicate schedule id ${schedule.id}`);
    if (!(schedule.everyMinutes > 0)) throw new Error(`Schedule ${schedule.id}: everyMinutes must be positive`);
    const state: State = { schedule };
    states.set(schedule.id, state);
    const periodMs = Math.max(1, schedule.everyMinutes * 60_000 * timeScale);
    // Like a rate() rule: fires at a fixed rate, first one period after creation.
    state.timer = timers.setInterval(() => {
      if (stopped) return;
      if (state.running) {
        log({ level: 'warn', msg: 'scheduled run skipped: the previous run is still in progress', scheduleId: schedule.id });
        return;
      }
      run(state, 'timer').catch(() => undefined);
    }, periodMs);
  }

  return {
    async runNow(id) {
      const state = states.get(id);
      if (!state) throw new Error(`Unknown schedule ${id}`);
      if (stopped) throw new Error('Schedules are stopped');
      // Never overlap: wait for a run in progress, then run (a run that starts after the call).
      while (state.running) await state.running.catch(() => undefined);
      await run(state, 'runNow');
    },
    async stop() {
      stopped = true;
      for (const state of states.values()) timers.clearInterval(state.timer);
      await Promise.allSettled([...states.values()].map((s) => s.running).filter(Boolean));
    },
  };
}
