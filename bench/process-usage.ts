import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU of the pieces of a benchmark run on Linux: the main thread's event loop, the whole
 * Node process (with its load worker), and other processes found by their command line
 * (DynamoDB Local, redis-server), read from /proc. NaN where a figure cannot be read.
 */
const ticksPerSecond = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The first process whose command line (split on NUL) matches. */
export function pidOf(match: (args: string[]) => boolean): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (match(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

export interface Usage<K extends string> {
  /** Share of the span the main thread's event loop was busy. */
  readonly mainBusy: number;
  /** Cores used by this Node process (main thread, workers, libuv). */
  readonly nodeCores: number;
  /** Cores used by each named process (1 = one core). */
  readonly cores: Record<K, number>;
}

/** Starts measuring now; the returned function answers the usage since. */
export function usageSince<K extends string>(pids: Record<K, number | undefined>): () => Usage<K> {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const names = Object.keys(pids) as K[];
  const before = Object.fromEntries(names.map((name) => [name, cpuSeconds(pids[name])])) as Record<K, number>;
  const started = performance.now();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      mainBusy: performance.eventLoopUtilization(elu).utilization,
      nodeCores: (used.user + used.system) / 1e6 / seconds,
      cores: Object.fromEntries(names.map((name) => [name, (cpuSeconds(pids[name]) - before[name]) / seconds])) as Record<K, number>,
    };
  };
}
