import { dependencyProbes } from '#shared/adapters/health-probes';
import { config } from '#shared/config';
import { logger } from '#shared/observability';
import { makeCheckHealth, makeHealthMonitor, type HealthMonitor, type ProbeFailure } from '#shared/platform/check-health';

/** A failed probe's details, in the log only, under the reference the report gives. */
function logFailure({ dependency, kind, reference, latencyMs, error }: ProbeFailure): void {
  logger.warn('dependency check failed', { dependency, kind, reference, latencyMs, error: error as Error });
}

/** This function's health monitor: its configured dependencies, probed at most once per `maxAgeMs`. */
export function healthMonitor(options: { maxAgeMs?: number } = {}): HealthMonitor {
  return makeHealthMonitor({ check: makeCheckHealth({ probes: dependencyProbes(), stage: config().STAGE, logFailure }), ...options });
}
