import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { z, ZodType } from 'zod';
import { DomainError, ValidationError } from '#shared/errors';
import { flushMetrics, logger, metrics, MetricUnit, traced } from '#shared/observability';
import { runWithInvocationBudget } from '#shared/platform/deadline';
import type { RouteContract } from './contract';
import { authorize, identityFromClaims, type Identity } from './identity';
import type { Idempotency } from './idempotency';
import { internalProblem, problem, problemFromError, unavailableFrom } from './problem';
import { parseWith } from './validation';

/**
 * The HTTP edge of every API handler: API Gateway v2 event in, identity and shop scoping,
 * zod validation of path, query and body, idempotency where the contract asks for it,
 * problem documents for every failure, correlation ids on every log line. A handler
 * module only supplies the use-case call.
 *
 * Every request runs within a time budget: what the Lambda context has left, minus a
 * reserve to answer (shared/platform/deadline). A dependency that misses it is answered
 * at once with `503 service_unavailable` and `Retry-After`, never left to hang until the
 * function's timeout. Metrics per `operation`: Successes, ClientErrors, ServerErrors,
 * ShedRequests (every 429 and 503) and DependencyTimeouts (503s caused by a dependency).
 */
type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export interface HttpRequest<C extends RouteContract> {
  readonly params: Infer<C['params']>;
  readonly query: Infer<C['query']>;
  readonly body: Infer<C['body']>;
  /** Present whenever the route requires a token. */
  readonly identity: C['auth'] extends 'customer' | 'admin' ? Identity : Identity | undefined;
  /** Header names are lower case (API Gateway v2 lowercases them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: string;
  readonly requestId: string;
  readonly correlationId: string;
  /** The Lambda context (absent when a test calls the handler directly). */
  readonly context: Context | undefined;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpHandlerOptions {
  /** Required when the contract declares `idempotency`. */
  readonly idempotency?: Idempotency;
  /** Routes with auth `signed`: checks the signature of the raw body before the path, query or body is validated (401 first). Path parameters are given unvalidated. */
  readonly verify?: (request: { readonly headers: Readonly<Record<string, string | undefined>>; readonly rawBody: string; readonly params: Record<string, string | undefined> }) => Promise<void>;
}

interface JwtAuthorizerContext {
  readonly authorizer?: { readonly jwt?: { readonly claims?: Record<string, unknown> } };
}

const MAX_BODY_BYTES = 1024 * 1024;

export function httpHandler<const C extends RouteContract>(
  contract: C,
  handle: (request: HttpRequest<C>) => Promise<HttpResult>,
  options: HttpHandlerOptions = {},
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyResultV2> {
  if (contract.idempotency && !options.idempotency) {
    throw new Error(`${contract.operationId}: the contract declares idempotency but no idempotency store was given`);
  }
  return async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? crypto.randomUUID();
    const headers = lowerCaseHeaders(event.headers);
    const correlationId = headers['x-correlation-id'] ?? requestId;
    logger.resetKeys();
    logger.appendKeys({ requestId, correlationId, route: event.routeKey, operation: contract.operationId });
    if (context) logger.addContext(context);
    let result: HttpResult;
    let dependencyFailed = false;
    try {
      result = await runWithInvocationBudget(context, () =>
        traced(contract.operationId, { operation: contract.operationId }, () => processRequest(contract, handle, options, event, context, { headers, requestId, correlationId })),
      );
    } catch (error) {
      dependencyFailed = unavailableFrom(error) !== undefined;
      result = errorResult(error, correlationId);
    }
    metrics.addDimensions({ operation: contract.operationId });
    metrics.addMetric(result.status >= 500 ? 'ServerErrors' : result.status >= 400 ? 'ClientErrors' : 'Successes', MetricUnit.Count, 1);
    if (result.status === 429 || result.status === 503) metrics.addMetric('ShedRequests', MetricUnit.Count, 1);
    if (dependencyFailed && result.status === 503) metrics.addMetric('DependencyTimeouts', MetricUnit.Count, 1);
    flushMetrics();
    return toApiGatewayResult(result, correlationId);
  };
}

async function processRequest<C extends RouteContract>(
  contract: C,
  handle: (request: HttpRequest<C>) => Promise<HttpResult>,
  options: HttpHandlerOptions,
  event: APIGatewayProxyEventV2,
  context: Context | undefined,
  meta: { headers: Record<string, string | undefined>; requestId: string; correlationId: string },
): Promise<HttpResult> {
  const claims = (event.requestContext as unknown as JwtAuthorizerContext).authorizer?.jwt?.claims;
  const identity = identityFromClaims(claims);
  const pathParameters = event.pathParameters ?? {};
  authorize(contract.auth, identity, pathParameters.shopId);
  if (identity) logger.appendKeys({ sub: identity.sub });
  if (pathParameters.shopId) logger.appendKeys({ shopId: pathParameters.shopId });

  const rawBody = decodeBody(event, contract.maxBodyBytes ?? MAX_BODY_BYTES);
  // The signature comes before any validation: an unsigned request learns nothing from a 400.
  if (options.verify) await options.verify({ headers: meta.headers, rawBody, params: pathParameters });
  const params = contract.params ? parseWith(contract.params, pathParameters, 'path') : undefined;
  const query = contract.query ? parseWith(contract.query, event.queryStringParameters ?? {}, 'query') : undefined;
  // A contract whose body schema accepts nothing (all optional) takes an empty request body.
  const emptyAllowed = contract.body && rawBody.trim() === '' && contract.body.safeParse(undefined).success;
  const body =
    contract.body && !emptyAllowed
      ? parseWith(contract.body, contract.bodyContentType ? textBody(rawBody, meta.headers['content-type'], contract.bodyContentType) : parseJsonBody(rawBody, meta.headers['content-type']), 'body')
      : contract.body?.parse(undefined);

  const request = { params, query, body, identity, headers: meta.headers, rawBody, requestId: meta.requestId, correlationId: meta.correlationId, context } as HttpRequest<C>;
  if (!contract.idempotency || !options.idempotency) return handle(request);
  return options.idempotency.run({
    mode: contract.idempotency,
    key: meta.headers['idempotency-key'],
    scope: [pathParameters.shopId ?? '-', identity?.sub ?? '-', event.routeKey, event.rawPath].join('|'),
    payload: body ?? null,
    context,
    execute: async () => {
      // Domain errors become stored responses (a replay answers 402 again); anything
      // unexpected propagates, so no record is kept and a retry runs again.
      try {
        return await handle(request);
      } catch (error) {
        const mapped = problemFromError(error);
        if (!mapped || mapped.status >= 500) throw error;
        return mapped;
      }
    },
  });
}

function lowerCaseHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function decodeBody(event: APIGatewayProxyEventV2, maxBytes: number): string {
  if (!event.body) return '';
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > maxBytes) {
    throw new DomainError('payload_too_large', `The request body exceeds ${maxBytes} bytes.`);
  }
  return text;
}

/** A body of the contract's own (non-JSON) content type, as text; no content type is taken as that type. */
function textBody(rawBody: string, contentType: string | undefined, expected: string): string {
  const given = contentType?.split(';')[0]?.trim().toLowerCase();
  if (given && given !== expected) throw new DomainError('unsupported_media_type', `Send the body as ${expected}, not ${contentType}.`);
  return rawBody;
}

function parseJsonBody(rawBody: string, contentType: string | undefined): unknown {
  if (contentType && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new DomainError('unsupported_media_type', `Send the body as application/json, not ${contentType}.`);
  }
  if (rawBody.trim() === '') throw new ValidationError('A JSON request body is required.', [{ path: 'body', message: 'required' }]);
  try {
    return JSON.parse(rawBody);
  } catch (error) {
    throw new DomainError('malformed_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A failure's answer. A 5xx carries its code and `reference` (the correlation id) only; what
 * went wrong (the error, a dependency's own words) goes to the log under that reference.
 */
function errorResult(error: unknown, reference: string): HttpResult {
  const mapped = problemFromError(error, reference);
  if (mapped) {
    const details = { code: mapped.body.code, reference, error: error as Error, cause: causeOf(error) };
    if (mapped.status === 503) logger.warn('request refused by an unavailable dependency', details);
    else if (mapped.status >= 500) logger.error('request failed', details);
    return mapped;
  }
  logger.error('unhandled error', { reference, error: error as Error, cause: causeOf(error) });
  return internalProblem(reference);
}

function causeOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : cause === undefined ? undefined : String(cause);
}

function toApiGatewayResult(result: HttpResult, correlationId: string): APIGatewayProxyResultV2 {
  const headers: Record<string, string> = { 'x-correlation-id': correlationId, ...result.headers };
  // Errors must never be cached by CloudFront or browsers, even on public paths.
  if (result.status >= 400 && !headers['cache-control']) headers['cache-control'] = 'no-store';
  if (result.body === undefined) return { statusCode: result.status, headers };
  if (!headers['content-type']) headers['content-type'] = 'application/json';
  const body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return { statusCode: result.status, headers, body };
}

export { problem };
