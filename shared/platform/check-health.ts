/**
 * Health of the platform: every dependency is probed in parallel with a deadline, and
 * the report says which one fails and why, without leaking credentials or stack traces.
 */
export interface DependencyProbe {
  readonly name: string;
  /** Resolves when the dependency answers; throws (with a short reason) when it does not. */
  check(): Promise<void>;
}

export interface DependencyReport {
  readonly status: 'ok' | 'error';
  readonly latencyMs: number;
  readonly detail?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly stage: string;
  readonly dependencies: Record<string, DependencyReport>;
}

export interface CheckHealthDeps {
  readonly probes: readonly DependencyProbe[];
  readonly stage: string;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export function makeCheckHealth({ probes, stage, timeoutMs = 2_000, now = () => performance.now() }: CheckHealthDeps) {
  return async function checkHealth(): Promise<HealthReport> {
    const reports = await Promise.all(probes.map((probe) => runProbe(probe, timeoutMs, now)));
    const dependencies = Object.fromEntries(probes.map((probe, i) => [probe.name, reports[i]!]));
    const healthy = reports.every((report) => report.status === 'ok');
    return { status: healthy ? 'ok' : 'degraded', stage, dependencies };
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
    return { status: 'error', latencyMs: Math.round(now() - started), detail: reason(error) };
  } finally {
    clearTimeout(timer);
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 200);
}
