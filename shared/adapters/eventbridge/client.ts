import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** One EventBridge client per process (AWS_ENDPOINT_URL_EVENTBRIDGE points it at the local bus). */
export const eventBridge = new EventBridgeClient({ maxAttempts: 4 });
