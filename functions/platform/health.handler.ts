import { config } from '#shared/config';
import { dependencyProbes } from '#shared/adapters/health-probes';
import { httpHandler } from '#shared/http/http-handler';
import { makeCheckHealth } from '#shared/platform/check-health';
import { healthContract } from '#shared/platform/health.schema';

const checkHealth = makeCheckHealth({ probes: dependencyProbes(), stage: config().STAGE });

export const handler = httpHandler(healthContract, async () => {
  const report = await checkHealth();
  return {
    status: report.status === 'ok' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    body: report,
  };
});
