import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { UnauthorizedError } from '#shared/errors';
import { LOCAL_STREAMING, pathParametersOf, serverSentComment, serverSentEvent, streamingHandler, type ResponseSink } from '#shared/http/streaming';

/**
 * The streaming glue: in Lambda through the runtime's `awslambda.streamifyResponse` and
 * `HttpResponseStream.from` (a stand-in of the runtime's global here), locally through the sink
 * the gateway gives; refusals before the stream opens are problem documents.
 */
const event = { headers: { 'x-correlation-id': 'corr-1' }, requestContext: { requestId: 'req-1' } } as unknown as APIGatewayProxyEventV2;

afterEach(() => {
  delete (globalThis as { awslambda?: unknown }).awslambda;
});

/** A sink that records what it is given. */
function recordingSink() {
  const seen: { status?: number; headers?: Record<string, string>; chunks: string[]; ended: boolean } = { chunks: [], ended: false };
  const sink: ResponseSink = {
    open: (status, headers) => Object.assign(seen, { status, headers }),
    write: async (chunk) => void seen.chunks.push(chunk),
    end: () => void (seen.ended = true),
    signal: new AbortController().signal,
  };
  return { seen, sink };
}

describe('streamingHandler', () => {
  it('locally, offers the stream to the runtime and refuses a buffered invocation', async () => {
    const handler = streamingHandler('op', async (_event, sink) => {
      sink.open(200, { 'content-type': 'text/event-stream' });
      await sink.write(serverSentEvent({ event: 'status', id: 1, data: { a: 1 } }));
      sink.end();
    });
    const { seen, sink } = recordingSink();
    await handler[LOCAL_STREAMING](event, sink, undefined);
    expect(seen).toEqual({ status: 200, headers: { 'x-correlation-id': 'corr-1', 'content-type': 'text/event-stream' }, chunks: ['event: status\nid: 1\ndata: {"a":1}\n\n'], ended: true });
    await expect(handler(event)).rejects.toThrow(/RESPONSE_STREAM/);
  });

  it('answers a refusal before the stream opens as a problem document', async () => {
    const handler = streamingHandler('op', async () => {
      throw new UnauthorizedError('no token');
    });
    const { seen, sink } = recordingSink();
    await handler[LOCAL_STREAMING](event, sink, undefined);
    expect(seen.status).toBe(401);
    expect(seen.headers).toMatchObject({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
    expect(JSON.parse(seen.chunks.join(''))).toMatchObject({ status: 401, code: 'unauthorized', detail: 'no token' });
    expect(seen.ended).toBe(true);
  });

  it('in Lambda, writes through HttpResponseStream with the status and headers', async () => {
    const from: Array<{ statusCode: number; headers: Record<string, string> }> = [];
    const written: string[] = [];
    const stream = Object.assign(new EventEmitter(), { write: (chunk: string) => written.push(chunk) > 0, end: () => written.push('<end>') });
    (globalThis as { awslambda?: unknown }).awslambda = {
      streamifyResponse: (fn: (event: unknown, stream: unknown, context: unknown) => Promise<void>) => (e: unknown, s: unknown, c: unknown) => fn(e, s, c),
      HttpResponseStream: {
        from: (s: unknown, metadata: { statusCode: number; headers: Record<string, string> }) => {
          from.push(metadata);
          return s;
        },
      },
    };
    const handler = streamingHandler('op', async (_event, sink) => {
      sink.open(200, { 'content-type': 'text/event-stream' });
      await sink.write(serverSentComment('hello'));
      sink.end();
    });
    await (handler as unknown as (e: unknown, s: unknown, c: unknown) => Promise<void>)(event, stream, {});
    expect(from).toEqual([{ statusCode: 200, headers: { 'x-correlation-id': 'corr-1', 'content-type': 'text/event-stream' } }]);
    expect(written).toEqual([': hello\n\n', '<end>']);
  });
});

describe('pathParametersOf', () => {
  const template = '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}/events';

  it('reads a function URL event’s parameters from its raw path (function URLs do no routing)', () => {
    expect(pathParametersOf({ rawPath: '/v1/shops/demo/flash-sales/sale_1/entries/42/events' }, template)).toEqual({ shopId: 'demo', saleId: 'sale_1', ticket: '42' });
    expect(pathParametersOf({ rawPath: '/v1/shops/a%20b/flash-sales/s/entries/%E0%A4/events' }, template)).toEqual({ shopId: 'a b', saleId: 's', ticket: '%E0%A4' });
    expect(pathParametersOf({ rawPath: '/v1/shops/demo/flash-sales/s/entries/1/2/events' }, template)).toEqual({});
  });

  it('keeps the gateway’s own parameters when the event has them', () => {
    expect(pathParametersOf({ rawPath: '/ignored', pathParameters: { shopId: 'x' } }, template)).toEqual({ shopId: 'x' });
  });
});
