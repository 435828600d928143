import { config } from '#shared/config';
import { dependencyProbes } from '#shared/adapters/health-probes';
import { httpHandler } from '#shared/http/http-handler';
import { makeCheckHealth, makeHealthMonitor } from '#shared/platform/check-health';
import { healthContract } from '#shared/platform/health.schema';

// Liveness: answered from this process's last check while it is at most 5 s old, so however many
// load balancers and uptime checks call, each dependency sees at most one probe per 5 s per process.
const health = makeHealthMonitor({ check: makeCheckHealth({ probes: dependencyProbes(), stage: config().STAGE }), maxAgeMs: 5_000 });

export const handler = httpHandler(healthContract, async () => {
  const { status } = await health.recent();
  return { status: status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' }, body: { status } };
});
