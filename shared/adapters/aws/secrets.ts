import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traceClient } from '#shared/observability';
import { awsClientOptions } from './client-options';

/**
 * Secrets Manager through Powertools' cache (callers pass `maxAge`), on a client with
 * budgeted attempts like every other AWS client; created on first use, since most
 * functions read no secret.
 */
let provider: SecretsProvider | undefined;

export function secrets(): SecretsProvider {
  provider ??= new SecretsProvider({
    awsSdkV3Client: traceClient(new SecretsManagerClient(awsClientOptions({ service: 'Secrets Manager', requestTimeoutMs: 2_000, maxAttempts: 3 }))),
  });
  return provider;
}
