import { SESv2Client } from '@aws-sdk/client-sesv2';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from '../aws/client-options';

/** One SES client per process (AWS_ENDPOINT_URL_SESV2 points it at the local server), with budgeted attempts. */
export const ses = traceClient(new SESv2Client(awsClientOptions({ service: 'SES', requestTimeoutMs: 3_000, maxAttempts: 3 })));

/**
 * The client that sends email: one attempt, since an SDK retry after a request that did
 * reach SES would send the email twice (the use case retries after releasing its claim).
 */
export const sesSender = traceClient(new SESv2Client(awsClientOptions({ service: 'SES', requestTimeoutMs: 5_000, maxAttempts: 1 })));
