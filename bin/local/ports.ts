/**
 * Small process and network helpers of the local runtime: free ports, polling until a
 * service answers, and child processes that cannot outlive the Node process that started them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Asks the OS for a free TCP port on `host` (default 127.0.0.1). The port is released before returning. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error(`Could not get a free port on ${host}`))));
    });
  });
}

/**
 * Calls `check` every `intervalMs` (default 100) until it resolves true. A check that throws
 * ends the wait with that error (fail fast, e.g. when the process being waited for has died);
 * checks that should tolerate errors catch them and return false. On timeout it throws an
 * Error naming `what`.
 */
export async function waitFor(check: () => Promise<boolean>, opts: { timeoutMs: number; intervalMs?: number; what: string }): Promise<void> {
  const interval = opts.intervalMs ?? 100;
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await sleep(Math.min(interval, left));
  }
}

/** A child process in its own process group, tied to the life of this Node process. */
export interface TiedProcess {
  readonly pid: number;
  /** The last lines the process printed (stdout and stderr), for error messages. */
  outputTail(): string;
  readonly exited: boolean;
  /** Resolves when the process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs` (default 10 s); resolves after exit. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 40;

/**
 * Spawns `command` in a new process group so that it (and anything it forks) can be stopped
 * as a group, and makes sure the group dies with this process:
 * - on a normal exit of Node (`process.on('exit')`), the group gets SIGKILL;
 * - when Node dies any other way (SIGKILL, crash, unhandled signal), a tiny `/bin/sh` watchdog
 *   notices that the pipe from Node was closed by the kernel and kills the group.
 * Resolves once the process has been spawned; rejects with the spawn error (e.g. ENOENT).
 */
export async function spawnTied(
  command: string,
  args: readonly string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    onLine?: (line: string) => void;
    /** A scratch directory of the child that the watchdog deletes after killing it. */
    scratchDir?: string;
  } = {},
): Promise<TiedProcess> {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.on('error', () => {}); // later errors (a failed kill) are handled where they happen
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${command}`);

  const tail: string[] = [];
  const onText = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) pushLine(line);
    });
    stream.on('end', () => {
      if (partial) pushLine(partial);
      partial = '';
    });
  };
  const pushLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    opts.onLine?.(line);
  };
  onText(child.stdout);
  onText(child.stderr);

  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the last output arrive (its pipes close right after the exit), but don't wait for long.
      const done = () => {
        exited = true;
        cleanup();
        resolve({ code, signal });
      };
      const timer = setTimeout(done, 500);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    });
  });

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const onParentExit = () => killGroup('SIGKILL');
  process.on('exit', onParentExit);
  const watchdog = startWatchdog(pid, opts.scratchDir);

  function cleanup() {
    process.off('exit', onParentExit);
    if (watchdog) {
      try {
        if (watchdog.pid) process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      watchdog.stdin?.destroy();
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    pid,
    outputTail: () => tail.join('\n'),
    get exited() {
      return exited;
    },
    exit,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (exited) return;
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
        try {
          await exit;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/**
 * `/bin/sh` that blocks reading a pipe from this process; when the pipe closes (this process
 * died and the kernel closed its end), it kills the process group `pgid` and deletes
 * `scratchDir`. Its pipe and handle are unref'd so that it never keeps Node's event loop alive.
 */
function startWatchdog(pgid: number, scratchDir?: string): ChildProcess | undefined {
  // Shell builtins (read, kill) and /bin/rm, so it works whatever PATH the caller has.
  const script = 'while read -r _; do :; done; kill -9 -"$1" 2>/dev/null; if [ -n "$2" ]; then /bin/rm -rf -- "$2"; fi; exit 0';
  try {
    const watchdog = spawn('/bin/sh', ['-c', script, 'local-watchdog', String(pgid), scratchDir ?? ''], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    watchdog.on('error', () => {
      // No /bin/sh: only the exit hook protects against orphans.
    });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.stdin?.on('error', () => {});
    return watchdog;
  } catch {
    return undefined;
  }
}
