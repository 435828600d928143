import { httpHandler } from '#shared/http/http-handler';
import { healthContract } from '#shared/platform/health.schema';
import { healthMonitor } from './health-wiring';

// Liveness: answered from this process's last check while it is at most 5 s old, so however many
// load balancers and uptime checks call, each dependency sees at most one probe per 5 s per process.
const health = healthMonitor({ maxAgeMs: 5_000 });

export const handler = httpHandler(healthContract, async ({ correlationId }) => {
  const { status } = await health.recent(correlationId);
  return { status: status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' }, body: { status } };
});
