import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import type { DependencyProbe } from '#shared/platform/check-health';
import { eventBridge } from './client';

/** The probe of the event bus, when this function is configured with one: DescribeEventBus. */
export function eventBridgeProbe(env: NodeJS.ProcessEnv): DependencyProbe | undefined {
  const Name = env.EVENT_BUS_NAME;
  if (!Name) return undefined;
  return { name: 'eventbridge', check: async () => void (await eventBridge.send(new DescribeEventBusCommand({ Name }))) };
}
