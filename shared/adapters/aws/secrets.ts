import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traceClient } from '#shared/observability';
import { lazy } from '#shared/platform/memoize';
import { awsClientOptions } from './client-options';

/**
 * Secrets Manager through Powertools' cache (callers pass `maxAge`), on a client with
 * budgeted attempts like every other AWS client; created on first use, since most
 * functions read no secret.
 */
export const secrets = lazy(
  () =>
    new SecretsProvider({
      awsSdkV3Client: traceClient(new SecretsManagerClient(awsClientOptions({ service: 'Secrets Manager', requestTimeoutMs: 2_000, maxAttempts: 3 }))),
    }),
);
