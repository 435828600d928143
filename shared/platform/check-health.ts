/**
 * Health of the platform: every dependency is probed in parallel with a deadline, and the
 * report says which one fails and the kind of failure, with a reference; the dependency's own
 * words (hosts, ports, account ids, messages) go only to the log under that reference. Probes are
 * cheap reads (a GetItem of an absent key, a PING), and a process checks at most once per
 * `maxAgeMs`, however many requests ask: liveness checks must never load what they watch.
 */
export interface DependencyProbe {
  readonly name: string;
  /** Resolves when the dependency answers; throws (with a short reason) when it does not. */
  check(): Promise<void>;
}

/** What kind of failure a probe met; the details are logged, never reported. */
export const FAILURE_KINDS = ['timeout', 'unreachable', 'access_denied', 'failed'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface DependencyReport {
  readonly status: 'ok' | 'error';
  readonly latencyMs: number;
  /** The kind of failure; only when status is error. */
  readonly error?: FailureKind;
  /** Under which id the log has the failure's details; only when status is error. */
  readonly reference?: string;
}

/** A probe's failure with its details, for the log. */
export interface ProbeFailure {
  readonly dependency: string;
  readonly kind: FailureKind;
  readonly reference: string;
  readonly latencyMs: number;
  readonly error: unknown;
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
  /** Where a failure's details go (the log), under the reference the report gives. */
  readonly logFailure: (failure: ProbeFailure) => void;
}

/** One round of every probe; `reference` (the request's correlation id) names its failures in the log. */
export function makeCheckHealth({ probes, stage, timeoutMs = 2_000, now = () => performance.now(), clock = () => new Date(), logFailure }: CheckHealthDeps) {
  return async function checkHealth(reference: string = crypto.randomUUID()): Promise<HealthReport> {
    const checkedAt = clock().toISOString();
    const reports = await Promise.all(
      probes.map(async (probe) => {
        const outcome = await runProbe(probe, timeoutMs, now);
        if (!outcome.failure) return outcome.report;
        const kind = failureKind(outcome.failure);
        logFailure({ dependency: probe.name, kind, reference, latencyMs: outcome.report.latencyMs, error: outcome.failure });
        return { ...outcome.report, error: kind, reference };
      }),
    );
    const dependencies = Object.fromEntries(probes.map((probe, i) => [probe.name, reports[i]!]));
    const healthy = reports.every((report) => report.status === 'ok');
    return { status: healthy ? 'ok' : 'degraded', stage, checkedAt, dependencies };
  };
}

export interface HealthMonitorDeps {
  readonly check: (reference?: string) => Promise<HealthReport>;
  /** How old a report may be and still answer. @default 5000 */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

export interface HealthMonitor {
  /**
   * A report at most `maxAgeMs` old: the last one, else the check in progress, else a new check.
   * `reference` names the failures of a check this call starts (a shared check keeps its own).
   */
  recent(reference?: string): Promise<HealthReport>;
  /** A report from a check started now, or from the one already in progress. */
  fresh(reference?: string): Promise<HealthReport>;
}

/** One check at a time per process (callers in the meantime share it), and its result reused while recent. */
export function makeHealthMonitor({ check, maxAgeMs = 5_000, now = () => performance.now() }: HealthMonitorDeps): HealthMonitor {
  let last: { readonly report: HealthReport; readonly startedAt: number } | undefined;
  let running: Promise<HealthReport> | undefined;
  const refresh = (reference?: string): Promise<HealthReport> => {
    if (running) return running;
    const startedAt = now();
    const current = check(reference).then((report) => {
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
    recent: (reference) => (last && now() - last.startedAt <= maxAgeMs ? Promise.resolve(last.report) : refresh(reference)),
    fresh: refresh,
  };
}

class ProbeTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

async function runProbe(probe: DependencyProbe, timeoutMs: number, now: () => number): Promise<{ report: DependencyReport; failure?: unknown }> {
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { report: { status: 'ok', latencyMs: Math.round(now() - started) } };
  } catch (error) {
    return { report: { status: 'error', latencyMs: Math.round(now() - started) }, failure: error ?? new Error('probe failed') };
  } finally {
    clearTimeout(timer);
  }
}

const TIMEOUT_NAMES = /^(TimeoutError|AbortError|RequestTimeout(Exception)?|DeadlineExceededError)$/;
const UNREACHABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_\w+)$/;
const UNREACHABLE_NAMES = /^(ConnectionError|MaxRetriesPerRequestError|ClusterAllFailedError|NoLivingConnectionsError)$/;
const UNREACHABLE_MESSAGES = /^(socket hang up|Connection is closed|Stream isn't writeable)/;
const ACCESS_DENIED = /^(AccessDenied(Exception)?|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken(Exception)?|NOAUTH|WRONGPASS)\b/;

/** The kind of a probe's failure, from the error or its causes (an SDK error wraps a socket's). */
function failureKind(error: unknown): FailureKind {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (TIMEOUT_NAMES.test(current.name)) return 'timeout';
    if (ACCESS_DENIED.test(current.name) || ACCESS_DENIED.test(current.message)) return 'access_denied';
    if ((typeof code === 'string' && UNREACHABLE_CODES.test(code)) || UNREACHABLE_NAMES.test(current.name) || UNREACHABLE_MESSAGES.test(current.message)) return 'unreachable';
  }
  return 'failed';
}
