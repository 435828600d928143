import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logger } from '#shared/observability';
import { internalProblem, problemFromError } from './problem';
import { LOCAL_STREAMING, type ResponseSink, type StreamingHandle, type StreamingHandler } from './streaming-contract';

/**
 * Response streaming for the routes flagged `responseStreaming` (functions/definitions.ts): the
 * handler writes its answer as it goes instead of returning it whole. In AWS the function sits
 * behind a Lambda function URL in RESPONSE_STREAM mode (API Gateway HTTP APIs do not stream), so
 * the event is the same payload 2.0 shape as the other routes' and the response is Lambda's
 * HttpResponseStream; locally the gateway writes the same calls to the socket as chunks, with no
 * buffering (bin/local/gateway.ts, through the invoker's `stream`).
 */
export { LOCAL_STREAMING, type ResponseSink, type StreamingHandle, type StreamingHandler } from './streaming-contract';

/** Lambda's Node.js runtime global for response streaming (absent elsewhere). */
interface LambdaStreamingGlobal {
  streamifyResponse(handler: (event: unknown, stream: NodeJS.WritableStream, context: Context) => Promise<void>): (...args: unknown[]) => Promise<unknown>;
  HttpResponseStream: { from(stream: NodeJS.WritableStream, metadata: { statusCode: number; headers: Record<string, string> }): NodeJS.WritableStream };
}

/**
 * A handler module's `handler` for a streaming route: errors thrown before the stream opens are
 * answered as problem documents (a 5xx with only a reference, as every route); after it opened,
 * the stream just ends (the client reconnects).
 */
export function streamingHandler(operation: string, handle: StreamingHandle): StreamingHandler {
  const guarded: StreamingHandle = async (event, sink, context) => {
    const correlationId = event.headers?.['x-correlation-id'] ?? event.requestContext?.requestId ?? crypto.randomUUID();
    logger.resetKeys();
    logger.appendKeys({ correlationId, operation });
    let opened = false;
    const tracked: ResponseSink = {
      open: (status, headers) => {
        opened = true;
        sink.open(status, { 'x-correlation-id': correlationId, ...headers });
      },
      write: (chunk) => sink.write(chunk),
      end: () => sink.end(),
      signal: sink.signal,
    };
    try {
      await handle(event, tracked, context);
    } catch (error) {
      if (opened) {
        logger.warn('stream ended by an error', { error: error as Error });
        sink.end();
        return;
      }
      const mapped = problemFromError(error, correlationId) ?? internalProblem(correlationId);
      if (mapped.status >= 500) logger.error('stream refused', { error: error as Error });
      sink.open(mapped.status, { 'x-correlation-id': correlationId, 'cache-control': 'no-store', ...mapped.headers });
      await sink.write(JSON.stringify(mapped.body));
      sink.end();
    }
  };
  // Other libraries put an `awslambda` global of their own outside Lambda (Powertools' InvokeStore): only the runtime's can stream.
  const runtime = (globalThis as { awslambda?: Partial<LambdaStreamingGlobal> }).awslambda;
  const lambda = typeof runtime?.streamifyResponse === 'function' ? (runtime as LambdaStreamingGlobal) : undefined;
  const inLambda = lambda
    ? lambda.streamifyResponse(async (event, stream, context) => {
        const aborted = new AbortController();
        stream.on('close', () => aborted.abort());
        stream.on('error', () => aborted.abort());
        let http: NodeJS.WritableStream | undefined;
        await guarded(
          event as APIGatewayProxyEventV2,
          lambdaSink(
            lambda,
            stream,
            aborted.signal,
            (opened) => (http = opened),
            () => http,
          ),
          context,
        );
      })
    : async () => {
        throw new Error(`${operation} streams its response: it must be invoked through a function URL in RESPONSE_STREAM mode (the route's responseStreaming flag).`);
      };
  return Object.assign(inLambda, { [LOCAL_STREAMING]: guarded });
}

function lambdaSink(
  lambda: LambdaStreamingGlobal,
  stream: NodeJS.WritableStream,
  signal: AbortSignal,
  opened: (http: NodeJS.WritableStream) => void,
  current: () => NodeJS.WritableStream | undefined,
): ResponseSink {
  return {
    open: (statusCode, headers) => opened(lambda.HttpResponseStream.from(stream, { statusCode, headers: { ...headers } })),
    write: (chunk) =>
      new Promise((resolve) => {
        const http = current();
        if (!http || http.write(chunk)) resolve();
        else http.once('drain', () => resolve());
      }),
    end: () => current()?.end(),
    signal,
  };
}

/**
 * The path parameters of a streamed route. A function URL does no routing, so its events carry
 * no `pathParameters` (the local gateway's do): they are read from `rawPath` with the route's
 * template (`/v1/shops/{shopId}/…`), each segment decoded; a path that does not fit gives none.
 */
export function pathParametersOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters' | 'rawPath'>, template: string): Record<string, string | undefined> {
  if (event.pathParameters) return event.pathParameters;
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const name = /^\{([A-Za-z0-9_]+)\}$/.exec(segment)?.[1];
      if (!name) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('/');
  const found = new RegExp(`^${source}$`).exec(event.rawPath ?? '');
  if (!found) return {};
  return Object.fromEntries(names.map((name, i) => [name, safeDecode(found[i + 1]!)]));
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** One server-sent event (`event`, `id`, `data` lines and the blank line that ends it). */
export function serverSentEvent(event: { readonly event: string; readonly id?: number | string; readonly data: unknown }): string {
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  const lines = [`event: ${event.event}`, ...(event.id === undefined ? [] : [`id: ${event.id}`]), ...data.split('\n').map((line) => `data: ${line}`)];
  return `${lines.join('\n')}\n\n`;
}

/** A comment line: ignored by EventSource, it keeps the connection and its proxies awake. */
export const serverSentComment = (text: string) => `: ${text}\n\n`;

/** The headers of an event stream: never cached or transformed on the way. */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store, no-transform',
  'x-accel-buffering': 'no',
};
