import { httpHandler } from '#shared/http/http-handler';
import { healthDependenciesContract } from '#shared/platform/health.schema';
import { healthMonitor } from './health-wiring';

// Operators get a check made for their request; concurrent requests share one. A failure is
// reported by kind with a reference; its details are in the log under that reference.
const health = healthMonitor();

export const handler = httpHandler(healthDependenciesContract, async ({ correlationId }) => ({
  status: 200,
  headers: { 'cache-control': 'no-store' },
  body: await health.fresh(correlationId),
}));
