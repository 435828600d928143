import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client, Transport, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { config, ConfigError } from '#shared/config';
import { MIN_ATTEMPT_MS, remainingBudgetMs } from '#shared/platform/deadline';

/**
 * The OpenSearch client of a process, created on first use and reused across invocations.
 * OPENSEARCH_ENDPOINT is the domain endpoint, with or without `https://` (the CDK's
 * `domainEndpoint` has none). Requests to an AWS domain, or any request from a Lambda
 * function, are signed with SigV4 (service `es`) with the default credential chain (the
 * function's role); a plain local cluster (`http://localhost:9200`) is not signed.
 * Requests time out quickly and retry twice (connection errors, 502/503/504), so a slow
 * domain fails the search instead of holding the function; within an invocation's time
 * budget the attempts share what is left (shared/platform/deadline).
 */
let client: Client | undefined;

export function openSearchClient(): Client {
  client ??= createClient();
  return client;
}

/** Closes the connections and forgets the client (tests and the local runtime's shutdown). */
export async function closeOpenSearchClient(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.close();
}

function createClient(): Client {
  const endpoint = process.env.OPENSEARCH_ENDPOINT;
  if (!endpoint) throw new ConfigError('Missing environment variable OPENSEARCH_ENDPOINT: this function was not given the search domain');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`);
  } catch {
    throw new ConfigError(`OPENSEARCH_ENDPOINT is not a URL or host name: ${endpoint}`);
  }
  const options: ClientOptions = { node: url.origin, maxRetries: 2, requestTimeout: 5_000, Transport: withinBudget(Transport) };
  if (!signed(url)) return new Client(options);
  const credentials = defaultProvider(); // caches, and refreshes before expiry
  const signer = AwsSigv4Signer({ region: config().AWS_REGION, service: 'es', getCredentials: () => credentials() });
  return new Client({ ...options, ...signer, Transport: withinBudget(signer.Transport) });
}

type RequestArgs = Parameters<Transport['request']>;

/**
 * The transport with each request fitted to the invocation's budget. The client retries at
 * once, with the same timeout for every attempt, so the attempts that fit share what is left.
 */
export function withinBudget(Base: typeof Transport): typeof Transport {
  return class BudgetedTransport extends Base {
    // One signature for the base's two overloads (promise or callback).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the base's overloads return a promise or void: only `any` overrides both.
    override request(params: RequestArgs[0], options: RequestArgs[1] = {}, callback?: RequestArgs[2]): any {
      const remaining = remainingBudgetMs();
      if (remaining === undefined) return super.request(params, options, callback);
      const ownTimeout = typeof options.requestTimeout === 'number' ? options.requestTimeout : this.requestTimeout;
      const attempts = Math.max(1, Math.min((options.maxRetries ?? this.maxRetries) + 1, Math.floor(remaining / MIN_ATTEMPT_MS)));
      const requestTimeout = Math.max(1, Math.min(ownTimeout, Math.floor(remaining / attempts)));
      return super.request(params, { ...options, requestTimeout, maxRetries: attempts - 1 }, callback);
    }
  };
}

function signed(url: URL): boolean {
  return url.hostname.endsWith('.amazonaws.com') || process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}
