import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { DependencyProbe } from '#shared/platform/check-health';
import { QUEUE_KEYS, QUEUES } from '#shared/platform/queues';
import { sqs } from './client';

/** The probe of the queues this function has environment variables for: one GetQueueAttributes each. */
export function sqsProbe(env: NodeJS.ProcessEnv): DependencyProbe | undefined {
  const queues = QUEUE_KEYS.map((key) => env[QUEUES[key].envVar]).filter((url): url is string => Boolean(url));
  if (queues.length === 0) return undefined;
  return {
    name: 'sqs',
    async check() {
      await Promise.all(queues.map((QueueUrl) => sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))));
    },
  };
}
