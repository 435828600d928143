/**
 * Health of the platform: every dependency is probed in parallel with a deadline, and the
 * report says which one fails and why, without leaking credentials or stack traces. Probes are
 * cheap reads (a GetItem of an absent key, a PING), and a process checks at most once per
 * `maxAgeMs`, however many requests ask: liveness checks must never load what they watch.
 */
export interface DependencyProbe {
  readonly name: string;
  /** Resolves when the dependency answers; throws (with a short reason) when it does not. */
  check(): Promise<void>;
}

export interface DependencyReport {
  readonly status: 'ok' | 'error';
  readonly latencyMs: number;
  /** Why the dependency failed (type and message, at most 200 characters). */
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly stage: string;
  /** When this check started (ISO 8601). */
  readonly checkedAt: string;
  readonly dependencies: Record<string, DependencyReport>;
}

/**
 * The value of the partition (and sort) key that the DynamoDB probe reads in every table. No
 * item has it: a key of every context starts with its own prefix (`SHOP#`, `PRODUCT#`, ...).
 */
export const HEALTH_PROBE_KEY = '#health-probe';

export interface CheckHealthDeps {
  readonly probes: readonly DependencyProbe[];
  readonly stage: string;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly clock?: () => Date;
}

/** One round of every probe. */
export function makeCheckHealth({ probes, stage, timeoutMs = 2_000, now = () => performance.now(), clock = () => new Date() }: CheckHealthDeps) {
  return async function checkHealth(): Promise<HealthReport> {
    const checkedAt = clock().toISOString();
    const reports = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs, now)));
    const dependencies = Object.fromEntries(probes.map((probe, i) => [probe.name, reports[i]!]));
    const healthy = reports.every((report) => report.status === 'ok');
    return { status: healthy ? 'ok' : 'degraded', stage, checkedAt, dependencies };
  };
}

export interface HealthMonitorDeps {
  readonly check: () => Promise<HealthReport>;
  /** How old a report may be and still answer. @default 5000 */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

export interface HealthMonitor {
  /** A report at most `maxAgeMs` old: the last one, else the check in progress, else a new check. */
  recent(): Promise<HealthReport>;
  /** A report from a check started now, or from the one already in progress. */
  fresh(): Promise<HealthReport>;
}

/** One check at a time per process (callers in the meantime share it), and its result reused while recent. */
export function makeHealthMonitor({ check, maxAgeMs = 5_000, now = () => performance.now() }: HealthMonitorDeps): HealthMonitor {
  let last: { readonly report: HealthReport; readonly startedAt: number } | undefined;
  let running: Promise<HealthReport> | undefined;
  const refresh = (): Promise<HealthReport> => {
    if (running) return running;
    const startedAt = now();
    const current = check().then((report) => {
      last = { report, startedAt };
      return report;
    });
    running = current;
    const clear = () => {
      if (running === current) running = undefined;
    };
    current.then(clear, clear);
    return current;
  };
  return {
    recent: () => (last && now() - last.startedAt <= maxAgeMs ? Promise.resolve(last.report) : refresh()),
    fresh: refresh,
  };
}

async function runProbe(probe: DependencyProbe, timeoutMs: number, now: () => number): Promise<DependencyReport> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', latencyMs: Math.round(now() - started) };
  } catch (error) {
    return { status: 'error', latencyMs: Math.round(now() - started), error: reason(error) };
  } finally {
    clearTimeout(timer);
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 200);
}
