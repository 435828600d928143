import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule } from '#functions/events';
import { createInvoker } from '#bin/local/lambda-context';
import { startSchedules } from '#bin/local/schedules';
import { manualTimers } from '#test/support/manual-timers';
import { collectingLog, PROJECT_ROOT, scriptedFunction, sleep, until } from './fixtures/scripted';

const invoke = createInvoker({ root: PROJECT_ROOT });
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/**
 * A target that records its events and how many of its runs overlapped. A `held` run lasts
 * until the test calls `release()`, so "a tick while a run is in progress" is a step.
 */
function probe(id: string, opts: { durationMs?: number; failFirst?: number; held?: boolean } = {}) {
  const state = { events: [] as Array<Record<string, unknown>>, active: 0, maxActive: 0, calls: 0 };
  const gates: Array<() => void> = [];
  const fn = scriptedFunction(id, async (event) => {
    state.calls++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      if (opts.held) await new Promise<void>((resolve) => gates.push(resolve));
      if (opts.durationMs) await sleep(opts.durationMs);
      if (state.calls <= (opts.failFirst ?? 0)) throw new Error(`run ${state.calls} fails`);
      state.events.push(event as Record<string, unknown>);
    } finally {
      state.active--;
    }
  });
  return { fn, state, release: () => gates.shift()?.() };
}

/** Lets pending callbacks and I/O run (event-loop turns, no time). */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('local schedules', () => {
  it('runs a time-scaled schedule repeatedly with EventBridge’s Scheduled Event, never overlapping a slow run', async () => {
    const { fn, state, release } = probe('ScheduleSlow', { held: true });
    const schedule: Schedule = { id: 'ReleaseExpiredHolds', description: 'every minute', everyMinutes: 1, target: fn };
    const logs = collectingLog();
    // One minute every 100 ms of timers the test advances: ticks come while a run is in progress.
    const timers = manualTimers();
    running.push(startSchedules([schedule], invoke, { timeScale: 1 / 600, log: logs.log, timers }));
    for (let run = 1; run <= 3; run++) {
      // A tick while the last run winds down is skipped too: tick until one starts a run.
      await until(() => {
        timers.advance(100);
        return state.active === 1;
      }, `run ${run} to start`);
      timers.advance(300); // three ticks while it runs
      release();
      await until(() => state.events.length === run, `run ${run} to end`);
    }
    expect(state.maxActive).toBe(1);
    expect(state.calls).toBe(3);
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'warn', scheduleId: 'ReleaseExpiredHolds' }));
    const ids = new Set(state.events.map((e) => e.id));
    expect(ids.size).toBe(state.events.length);
    expect(state.events[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/ReleaseExpiredHolds'],
      detail: {},
    });
  });

  it('logs a failing run and still runs the next one', async () => {
    const { fn, state } = probe('ScheduleFailing', { failFirst: 2 });
    const logs = collectingLog();
    const timers = manualTimers();
    running.push(startSchedules([{ id: 'Flaky', description: '', everyMinutes: 1, target: fn }], invoke, { timeScale: 1 / 1200, log: logs.log, timers }));
    await until(() => {
      timers.advance(50);
      return state.events.length >= 2;
    }, 'runs after the failures');
    expect(state.calls).toBeGreaterThanOrEqual(4);
    expect(logs.entries.filter((e) => e.level === 'error' && e.scheduleId === 'Flaky')).toHaveLength(2);
    expect(logs.entries.find((e) => e.level === 'error')).toMatchObject({ msg: 'scheduled run failed', target: 'ScheduleFailing', error: 'Error: run 1 fails' });
  });

  it('runNow runs the target once and resolves when it is done; concurrent calls queue instead of overlapping', async () => {
    const { fn, state } = probe('ScheduleManual', { durationMs: 100 });
    const other = probe('ScheduleOther');
    const schedules = startSchedules(
      [
        { id: 'Hourly', description: '', everyMinutes: 60, target: fn },
        { id: 'Other', description: '', everyMinutes: 60, target: other.fn },
      ],
      invoke,
      { log: () => undefined },
    );
    running.push(schedules);
    await schedules.runNow('Hourly');
    expect(state.events).toHaveLength(1);
    expect(state.events[0]).toMatchObject({ 'detail-type': 'Scheduled Event', resources: ['arn:aws:events:us-east-1:000000000000:rule/Hourly'] });
    await Promise.all([schedules.runNow('Hourly'), schedules.runNow('Hourly'), schedules.runNow('Other')]);
    expect(state.events).toHaveLength(3);
    expect(state.maxActive).toBe(1);
    expect(other.state.events).toHaveLength(1);
    await expect(schedules.runNow('Nope')).rejects.toThrow(/Unknown schedule/);
  });

  it('runNow rejects with the error of a failing run', async () => {
    const { fn } = probe('ScheduleManualFailing', { failFirst: 1 });
    const logs = collectingLog();
    const schedules = startSchedules([{ id: 'Once', description: '', everyMinutes: 60, target: fn }], invoke, { log: logs.log });
    running.push(schedules);
    await expect(schedules.runNow('Once')).rejects.toThrow('run 1 fails');
    await expect(schedules.runNow('Once')).resolves.toBeUndefined();
    expect(logs.entries).toHaveLength(1);
  });

  it('stop waits for a run in progress and no run starts afterwards', async () => {
    const { fn, state, release } = probe('ScheduleStopped', { held: true });
    const timers = manualTimers();
    const schedules = startSchedules([{ id: 'Stopped', description: '', everyMinutes: 1, target: fn }], invoke, { timeScale: 1 / 1200, log: () => undefined, timers });
    await until(() => {
      timers.advance(50);
      return state.active === 1;
    }, 'a run');
    let stopped = false;
    const stopping = schedules.stop().then(() => (stopped = true));
    await turns();
    expect(stopped).toBe(false); // the run in progress holds it
    release();
    await stopping;
    expect(state.active).toBe(0);
    const calls = state.calls;
    expect(timers.pending).toBe(0);
    timers.advance(60_000); // a minute of periods after the stop: none starts a run
    await turns();
    expect(state.calls).toBe(calls);
  });
});
