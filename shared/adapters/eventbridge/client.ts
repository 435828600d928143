import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from '../aws/client-options';

/** One EventBridge client per process (AWS_ENDPOINT_URL_EVENTBRIDGE points it at the local bus), with budgeted attempts. */
export const eventBridge = traceClient(new EventBridgeClient(awsClientOptions({ service: 'EventBridge', requestTimeoutMs: 2_000, maxAttempts: 4 })));
