import { config } from '#shared/config';
import { dependencyProbes } from '#shared/adapters/health-probes';
import { httpHandler } from '#shared/http/http-handler';
import { makeCheckHealth, makeHealthMonitor } from '#shared/platform/check-health';
import { healthDependenciesContract } from '#shared/platform/health.schema';

// Operators get a check made for their request; concurrent requests share one.
const health = makeHealthMonitor({ check: makeCheckHealth({ probes: dependencyProbes(), stage: config().STAGE }) });

export const handler = httpHandler(healthDependenciesContract, async () => ({
  status: 200,
  headers: { 'cache-control': 'no-store' },
  body: await health.fresh(),
}));
