import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '#functions/routes';
import { startGateway, type LocalGateway } from '#bin/local/gateway';
import { createInvoker } from '#bin/local/lambda-context';
import { UnauthorizedError } from '#shared/errors';
import type { StreamingHandle } from '#shared/http/streaming';
import { healthContract } from '#shared/platform/health.schema';
import { collectingLog, PROJECT_ROOT, until } from './fixtures/scripted';

/**
 * The local gateway's streamed routes (`responseStreaming`): the handler's chunks reach the client
 * as they are written, not when it ends; the handler learns when the client goes away; a refusal
 * before the stream opens is a problem document; `maxConcurrency` holds for streams too.
 */
const behaviour = ((globalThis as { __localStreamingBehaviour?: { current?: StreamingHandle } }).__localStreamingBehaviour ??= {});
const spec = { id: 'GatewayStream', entry: 'test/local/fixtures/streaming.handler.ts', description: 'streaming test function', uses: {}, maxConcurrency: 2 };
const route: Route = { method: 'GET', path: '/stream/{id}', function: spec, auth: 'public', contract: healthContract, responseStreaming: true };
const logs = collectingLog();
let gateway: LocalGateway;

beforeAll(async () => {
  gateway = await startGateway({ routes: [route], fallback: spec, invoke: createInvoker({ root: PROJECT_ROOT }), jwtSecret: 'x', port: 0, log: logs.log });
});

afterAll(async () => {
  await gateway?.stop();
});

describe('streamed routes in the local gateway', () => {
  it('sends each chunk as it is written, and tells the handler when the client goes away', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen = { aborted: false, params: {} as unknown };
    behaviour.current = async (event, sink) => {
      seen.params = event.pathParameters;
      sink.open(200, { 'content-type': 'text/event-stream' });
      await sink.write('data: one\n\n');
      await Promise.race([held, new Promise((resolve) => sink.signal.addEventListener('abort', resolve))]);
      seen.aborted = sink.signal.aborted;
      sink.end();
    };
    const controller = new AbortController();
    const res = await fetch(`${gateway.url}/stream/7`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    // The first chunk arrives while the handler still waits: nothing is buffered until its end.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    expect(seen.params).toEqual({ id: '7' });
    controller.abort();
    await until(() => seen.aborted, 'the handler to learn that the client went away');
    release();
  });

  it('answers a refusal before the stream opens as a problem document', async () => {
    behaviour.current = async () => {
      throw new UnauthorizedError('no token');
    };
    const res = await fetch(`${gateway.url}/stream/1`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'unauthorized', detail: 'no token' });
  });

  it('holds streams to the function’s maxConcurrency: one more is refused at once with 503 and Retry-After', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    behaviour.current = async (_event, sink) => {
      sink.open(200, { 'content-type': 'text/event-stream' });
      await sink.write(': open\n\n');
      await held;
      sink.end();
    };
    const open = await Promise.all([fetch(`${gateway.url}/stream/1`), fetch(`${gateway.url}/stream/2`)]);
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const refused = await fetch(`${gateway.url}/stream/3`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    release();
    await Promise.all(open.map((r) => r.text()));
  });
});
