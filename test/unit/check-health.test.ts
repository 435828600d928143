import { describe, expect, it } from 'vitest';
import { makeCheckHealth, makeHealthMonitor, type DependencyProbe } from '#shared/platform/check-health';

describe('checkHealth', () => {
  it('is ok when every probe answers', async () => {
    const check = makeCheckHealth({ stage: 'test', probes: [{ name: 'a', check: async () => undefined }], clock: () => new Date('2030-01-01T00:00:00Z') });
    expect(await check()).toMatchObject({ status: 'ok', stage: 'test', checkedAt: '2030-01-01T00:00:00.000Z', dependencies: { a: { status: 'ok' } } });
    expect((await check()).dependencies.a).not.toHaveProperty('error');
  });

  it('names the failing dependency and a timed-out one', async () => {
    const check = makeCheckHealth({
      stage: 'test',
      timeoutMs: 50,
      probes: [
        { name: 'ok', check: async () => undefined },
        { name: 'broken', check: async () => Promise.reject(new Error('connection refused')) },
        { name: 'slow', check: () => new Promise(() => undefined) },
      ],
    });
    const report = await check();
    expect(report.status).toBe('degraded');
    expect(report.dependencies.broken).toMatchObject({ status: 'error', error: 'Error: connection refused' });
    expect(report.dependencies.slow).toMatchObject({ status: 'error', error: 'Error: no answer within 50 ms' });
    expect(report.dependencies.ok?.status).toBe('ok');
  });
});

describe('health monitor', () => {
  /** Probes that count their calls; `healthy` decides their answer. */
  function counted() {
    const state = { calls: 0, healthy: true, hold: undefined as Promise<void> | undefined };
    const probe: DependencyProbe = {
      name: 'db',
      async check() {
        state.calls++;
        await state.hold;
        if (!state.healthy) throw new Error('down');
      },
    };
    return { state, probe };
  }

  it('answers liveness from one check while it is recent, however many ask', async () => {
    const { state, probe } = counted();
    let now = 0;
    const monitor = makeHealthMonitor({ check: makeCheckHealth({ stage: 't', probes: [probe] }), maxAgeMs: 5_000, now: () => now });
    for (let i = 0; i < 50; i++) expect((await monitor.recent()).status).toBe('ok');
    expect(state.calls).toBe(1);

    now = 5_000; // exactly maxAgeMs old: still answered
    state.healthy = false;
    expect((await monitor.recent()).status).toBe('ok');
    expect(state.calls).toBe(1);

    now = 5_001; // older: checked again, once
    const reports = await Promise.all(Array.from({ length: 20 }, () => monitor.recent()));
    expect(reports.every((r) => r.status === 'degraded')).toBe(true);
    expect(state.calls).toBe(2);
  });

  it('runs one check at a time: callers during a check share it', async () => {
    const { state, probe } = counted();
    let release!: () => void;
    state.hold = new Promise<void>((resolve) => (release = resolve));
    const monitor = makeHealthMonitor({ check: makeCheckHealth({ stage: 't', probes: [probe] }), now: () => 0 });
    const waiting = [monitor.recent(), monitor.fresh(), monitor.recent(), monitor.fresh()];
    release();
    const reports = await Promise.all(waiting);
    expect(state.calls).toBe(1);
    expect(new Set(reports).size).toBe(1);

    // fresh() starts a new check once none is in progress, even while the last one is recent.
    state.hold = undefined;
    await monitor.fresh();
    expect(state.calls).toBe(2);
    await monitor.recent();
    expect(state.calls).toBe(2);
  });

  it('checks again after a check that threw', async () => {
    let calls = 0;
    const monitor = makeHealthMonitor({
      check: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { status: 'ok', stage: 't', checkedAt: new Date(0).toISOString(), dependencies: {} };
      },
      now: () => 0,
    });
    await expect(monitor.recent()).rejects.toThrow('boom');
    expect((await monitor.recent()).status).toBe('ok');
    expect(calls).toBe(2);
  });
});
