import { describe, expect, it } from 'vitest';
import { lazy, memoizeWithRetry } from '#shared/platform/memoize';

describe('lazy', () => {
  it('builds on the first call only, and answers the same value after', () => {
    let builds = 0;
    const value = lazy(() => ({ built: ++builds }));
    expect(builds).toBe(0);
    expect(value()).toBe(value());
    expect(builds).toBe(1);
  });

  it('keeps a falsy value without building again', () => {
    let builds = 0;
    const value = lazy(() => (builds++, undefined));
    value();
    value();
    expect(builds).toBe(1);
  });
});

describe('memoizeWithRetry', () => {
  it('shares one in-flight call between concurrent callers, and its value after', async () => {
    let builds = 0;
    let resolve!: (value: string) => void;
    const value = memoizeWithRetry(() => (builds++, new Promise<string>((r) => (resolve = r))));
    const first = value();
    const second = value();
    expect(builds).toBe(1);
    resolve('made');
    expect(await first).toBe('made');
    expect(await second).toBe('made');
    expect(await value()).toBe('made');
    expect(builds).toBe(1);
  });

  it('builds again after a rejected promise, and keeps the first success', async () => {
    let builds = 0;
    const value = memoizeWithRetry(async () => {
      builds++;
      if (builds === 1) throw new Error('secret not readable yet');
      return `made on build ${builds}`;
    });
    await expect(value()).rejects.toThrow('secret not readable yet');
    expect(await value()).toBe('made on build 2');
    expect(await value()).toBe('made on build 2');
    expect(builds).toBe(2);
  });

  it('gives the concurrent callers of a failing build the same rejection', async () => {
    let builds = 0;
    const value = memoizeWithRetry(async () => {
      builds++;
      throw new Error('down');
    });
    const results = await Promise.allSettled([value(), value(), value()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(builds).toBe(1);
  });

  it('turns a build that throws at once into a rejection, retried on the next call', async () => {
    let builds = 0;
    const value = memoizeWithRetry((): Promise<number> => {
      builds++;
      if (builds === 1) throw new Error('no config');
      return Promise.resolve(builds);
    });
    await expect(value()).rejects.toThrow('no config');
    expect(await value()).toBe(2);
  });

  it('forgets its promise on demand and answers it', async () => {
    let builds = 0;
    const value = memoizeWithRetry(async () => ++builds);
    expect(value.forget()).toBeUndefined();
    const first = value();
    expect(value.forget()).toBe(first);
    expect(await value()).toBe(2);
  });
});
