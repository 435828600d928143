import { describe, expect, it } from 'vitest';
import { makeCheckHealth, makeHealthMonitor, type DependencyProbe, type ProbeFailure } from '#shared/platform/check-health';

const logFailure = () => undefined;

describe('checkHealth', () => {
  it('is ok when every probe answers', async () => {
    const check = makeCheckHealth({ stage: 'test', probes: [{ name: 'a', check: async () => undefined }], clock: () => new Date('2030-01-01T00:00:00Z'), logFailure });
    expect(await check()).toMatchObject({ status: 'ok', stage: 'test', checkedAt: '2030-01-01T00:00:00.000Z', dependencies: { a: { status: 'ok' } } });
    expect((await check()).dependencies.a).not.toHaveProperty('error');
  });

  it('names the failing dependency and its kind of failure with a reference; the details go to the log only', async () => {
    const logged: ProbeFailure[] = [];
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:6379'), { code: 'ECONNREFUSED' });
    const denied = Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/commerce-prod is not authorized'), { name: 'AccessDeniedException' });
    const check = makeCheckHealth({
      stage: 'test',
      timeoutMs: 50,
      logFailure: (failure) => logged.push(failure),
      probes: [
        { name: 'ok', check: async () => undefined },
        { name: 'redis', check: async () => Promise.reject(refused) },
        { name: 'ses', check: async () => Promise.reject(denied) },
        { name: 'sqs', check: async () => Promise.reject(new Error('Queue arn:aws:sqs:us-east-1:123456789012:internal-q is odd')) },
        { name: 'slow', check: () => new Promise(() => undefined) },
      ],
    });
    const report = await check('corr-7');
    expect(report.status).toBe('degraded');
    expect(report.dependencies).toMatchObject({
      ok: { status: 'ok' },
      redis: { status: 'error', error: 'unreachable', reference: 'corr-7' },
      ses: { status: 'error', error: 'access_denied', reference: 'corr-7' },
      sqs: { status: 'error', error: 'failed', reference: 'corr-7' },
      slow: { status: 'error', error: 'timeout', reference: 'corr-7' },
    });
    expect(JSON.stringify(report)).not.toMatch(/10\.0\.3\.7|123456789012|ECONNREFUSED|internal-q|not authorized/);
    expect(logged.map((l) => [l.dependency, l.kind, l.reference])).toEqual([
      ['redis', 'unreachable', 'corr-7'],
      ['ses', 'access_denied', 'corr-7'],
      ['sqs', 'failed', 'corr-7'],
      ['slow', 'timeout', 'corr-7'],
    ]);
    expect(logged.find((l) => l.dependency === 'redis')?.error).toBe(refused);
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
    const monitor = makeHealthMonitor({ check: makeCheckHealth({ stage: 't', probes: [probe], logFailure }), maxAgeMs: 5_000, now: () => now });
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
    const monitor = makeHealthMonitor({ check: makeCheckHealth({ stage: 't', probes: [probe], logFailure }), now: () => 0 });
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
