import { dynamoDbProbe } from '#shared/adapters/dynamodb/health-probe';
import { eventBridgeProbe } from '#shared/adapters/eventbridge/health-probe';
import { redisProbe } from '#shared/adapters/redis/health-probe';
import { sesProbe } from '#shared/adapters/ses/health-probe';
import { sqsProbe } from '#shared/adapters/sqs/health-probe';
import { config } from '#shared/config';
import { logger } from '#shared/observability';
import { makeCheckHealth, makeHealthMonitor, type DependencyProbe, type HealthMonitor, type ProbeFailure } from '#shared/platform/check-health';

/**
 * Probes for every dependency this function was configured with (tables and queues it
 * has environment variables for, Redis, the bus, SES), so the health route reports
 * exactly what the deployment wires. Each is one cheap request, made by its technology's adapter.
 */
export function dependencyProbes(env: NodeJS.ProcessEnv = process.env): DependencyProbe[] {
  return [dynamoDbProbe, redisProbe, eventBridgeProbe, sqsProbe, sesProbe].flatMap((probe) => probe(env) ?? []);
}

/** A failed probe's details, in the log only, under the reference the report gives. */
function logFailure({ dependency, kind, reference, latencyMs, error }: ProbeFailure): void {
  logger.warn('dependency check failed', { dependency, kind, reference, latencyMs, error: error as Error });
}

/** This function's health monitor: its configured dependencies, probed at most once per `maxAgeMs`. */
export function healthMonitor(options: { maxAgeMs?: number } = {}): HealthMonitor {
  return makeHealthMonitor({ check: makeCheckHealth({ probes: dependencyProbes(), stage: config().STAGE, logFailure }), ...options });
}
