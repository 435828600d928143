import { describe, expect, it } from 'vitest';
import { makeCheckHealth } from '#shared/platform/check-health';

describe('checkHealth', () => {
  it('is ok when every probe answers', async () => {
    const check = makeCheckHealth({ stage: 'test', probes: [{ name: 'a', check: async () => undefined }] });
    expect(await check()).toMatchObject({ status: 'ok', stage: 'test', dependencies: { a: { status: 'ok' } } });
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
    expect(report.dependencies.broken).toMatchObject({ status: 'error', detail: 'Error: connection refused' });
    expect(report.dependencies.slow).toMatchObject({ status: 'error', detail: 'Error: no answer within 50 ms' });
    expect(report.dependencies.ok?.status).toBe('ok');
  });
});
