import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCrashPoint } from '../../shared/platform/crash-points';

/**
 * `crashPoint(name)`: armed by LOCAL_CRASH_POINT=<name>[@n] on the local stage only; the
 * n-th pass prints `CRASH-POINT <name>` and SIGKILLs the caller's whole process group.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A detached child (its own process group) that passes `name` three times, printing after each pass, with a grandchild in its group. */
function runChild(env: Record<string, string | undefined>) {
  const script = `
    import { spawn } from 'node:child_process';
    import { crashPoint } from './shared/platform/crash-points.ts';
    const grandchild = spawn('sleep', ['30'], { stdio: 'ignore' });
    console.log('GRANDCHILD ' + grandchild.pid);
    crashPoint('some.other-point');
    for (let pass = 1; pass <= 3; pass++) { crashPoint('demo.point'); console.log('passed ' + pass); }
    grandchild.kill();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOCAL_CRASH_POINT: undefined, STAGE: undefined, ...env } as NodeJS.ProcessEnv,
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise<{ signal: NodeJS.Signals | null; code: number | null; out: string }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, out })));
}

/** Running, as opposed to gone or a zombie waiting to be reaped. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('crash points', () => {
  it('read <name>[@n] on the local stage only', () => {
    expect(parseCrashPoint('checkout.placed', 'local')).toEqual({ name: 'checkout.placed', pass: 1 });
    expect(parseCrashPoint('flash-sale.ticket-won@7', 'local')).toEqual({ name: 'flash-sale.ticket-won', pass: 7 });
    expect(parseCrashPoint('checkout.placed', 'prod')).toBeNull();
    expect(parseCrashPoint('checkout.placed', undefined)).toBeNull();
    expect(parseCrashPoint(undefined, 'local')).toBeNull();
    expect(parseCrashPoint('', 'local')).toBeNull();
    expect(parseCrashPoint('checkout.placed@0', 'local')).toBeNull();
    expect(parseCrashPoint('checkout placed', 'local')).toBeNull();
  });

  it('SIGKILL the whole process group on the n-th pass, after printing the point', async () => {
    const run = await runChild({ STAGE: 'local', LOCAL_CRASH_POINT: 'demo.point@2' });
    expect(run.signal).toBe('SIGKILL');
    expect(run.out).toContain('passed 1');
    expect(run.out).toContain('CRASH-POINT demo.point');
    expect(run.out).not.toContain('passed 2');
    const grandchild = Number(/GRANDCHILD (\d+)/.exec(run.out)?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    // The grandchild was in the group: the same signal ended it.
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(grandchild)).toBe(false);
  }, 30_000);

  it('do nothing when unset, and nothing outside the local stage', async () => {
    for (const env of [{ STAGE: 'local' }, { STAGE: 'prod', LOCAL_CRASH_POINT: 'demo.point' }]) {
      const run = await runChild(env);
      expect(run.signal, run.out).toBeNull();
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain('passed 3');
      expect(run.out).not.toContain('CRASH-POINT');
    }
  }, 30_000);
});
