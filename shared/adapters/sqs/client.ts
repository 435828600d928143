import { SQSClient } from '@aws-sdk/client-sqs';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from '../aws/client-options';

/** One SQS client per process (AWS_ENDPOINT_URL_SQS points it at the local server), with budgeted attempts (it never long-polls). */
export const sqs = traceClient(new SQSClient(awsClientOptions({ service: 'SQS', requestTimeoutMs: 3_000, maxAttempts: 4 })));
