import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule } from '#functions/events';
import { createInvoker } from '#bin/local/lambda-context';
import { startSchedules } from '#bin/local/schedules';
import { collectingLog, PROJECT_ROOT, scriptedFunction, sleep, until } from './fixtures/scripted';

const invoke = createInvoker({ root: PROJECT_ROOT });
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A target that records its events and how many of its runs overlapped. */
function probe(id: string, opts: { durationMs?: number; failFirst?: number } = {}) {
  const state = { events: [] as Array<Record<string, unknown>>, active: 0, maxActive: 0, calls: 0 };
  const fn = scriptedFunction(id, async (event) => {
    state.calls++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    try {
      if (opts.durationMs) await sleep(opts.durationMs);
      if (state.calls <= (opts.failFirst ?? 0)) throw new Error(`run ${state.calls} fails`);
      state.events.push(event as Record<string, unknown>);
    } finally {
      state.active--;
    }
  });
  return { fn, state };
}

describe('local schedules', () => {
  it('runs a time-scaled schedule repeatedly with EventBridge’s Scheduled Event, never overlapping a slow run', async () => {
    const { fn, state } = probe('ScheduleSlow', { durationMs: 250 });
    const schedule: Schedule = { id: 'ReleaseExpiredHolds', description: 'every minute', everyMinutes: 1, target: fn };
    const logs = collectingLog();
    // One minute every 100 ms: ticks come faster than a run ends.
    running.push(startSchedules([schedule], invoke, { timeScale: 1 / 600, log: logs.log }));
    await until(() => state.events.length >= 3, 'three runs');
    expect(state.maxActive).toBe(1);
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
    running.push(startSchedules([{ id: 'Flaky', description: '', everyMinutes: 1, target: fn }], invoke, { timeScale: 1 / 1200, log: logs.log }));
    await until(() => state.events.length >= 2, 'runs after the failures');
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
    const { fn, state } = probe('ScheduleStopped', { durationMs: 150 });
    const schedules = startSchedules([{ id: 'Stopped', description: '', everyMinutes: 1, target: fn }], invoke, { timeScale: 1 / 1200, log: () => undefined });
    await until(() => state.calls >= 1, 'a run');
    await schedules.stop();
    expect(state.active).toBe(0);
    const calls = state.calls;
    await sleep(200);
    expect(state.calls).toBe(calls);
  });
});
