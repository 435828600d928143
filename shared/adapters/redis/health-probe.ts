import type { DependencyProbe } from '#shared/platform/check-health';
import { redis } from './client';

/** The probe of Redis, when this function is configured with it: a PING. */
export function redisProbe(env: NodeJS.ProcessEnv): DependencyProbe | undefined {
  if (!env.REDIS_URL && !env.REDIS_HOST) return undefined;
  return {
    name: 'redis',
    async check() {
      const answer = await (await redis()).ping();
      if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
    },
  };
}
