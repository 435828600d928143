import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec } from '#functions/registry';
import type { Route } from '#functions/routes';
import { createForegroundTracker } from '#bin/local/foreground';
import { startGateway, type LocalGateway } from '#bin/local/gateway';
import { createInvoker, type LocalInvoker } from '#bin/local/lambda-context';
import { signLocalToken } from '#bin/local/local-jwt';
import { healthContract, healthDependenciesContract } from '#shared/platform/health.schema';
import { collectingLog, PROJECT_ROOT, scriptedFunction, until } from './fixtures/scripted';

/**
 * The local gateway's door: each function's reserved concurrency (`maxConcurrency`) refused at
 * once with 503 and Retry-After, before the token is even read; a timed-out function answered
 * 503, never 504; every invoked request counted as foreground work while it is served.
 */
const SECRET = 'gateway-test-secret';
const ok = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };

/** A function whose invocations wait until the test opens the gate; it counts how many started. */
function gatedFunction(id: string, extra: Partial<FunctionSpec>) {
  const state = { started: 0, open: () => undefined as void };
  let opened = false;
  const waiters: Array<() => void> = [];
  state.open = () => {
    opened = true;
    for (const wake of waiters.splice(0)) wake();
  };
  const spec = scriptedFunction(
    id,
    async () => {
      state.started++;
      if (!opened) await new Promise<void>((resolve) => waiters.push(resolve));
      return ok;
    },
    extra,
  );
  return { spec, state };
}

const route = (method: Route['method'], path: string, fn: FunctionSpec, auth: Route['auth'] = 'public'): Route => ({
  method,
  path,
  function: fn,
  auth,
  contract: auth === 'operator' ? healthDependenciesContract : healthContract,
});

const slow = gatedFunction('GatewaySlow', { maxConcurrency: 3 });
const guarded = gatedFunction('GatewayGuarded', { maxConcurrency: 1 });
const hung = scriptedFunction('GatewayHung', () => new Promise(() => undefined), { timeoutSeconds: 0.05 });
const fast = scriptedFunction('GatewayFast', () => ok);
const notFound = scriptedFunction('GatewayNotFound', () => ({ statusCode: 404, body: '' }));

const logs = collectingLog();
const foreground = createForegroundTracker();
let invoke: LocalInvoker;
let gateway: LocalGateway;

beforeAll(async () => {
  invoke = createInvoker({ root: PROJECT_ROOT });
  gateway = await startGateway({
    routes: [route('GET', '/slow', slow.spec), route('GET', '/guarded', guarded.spec, 'customer'), route('GET', '/hung', hung), route('GET', '/fast', fast), route('GET', '/ops', fast, 'operator')],
    fallback: notFound,
    invoke,
    jwtSecret: SECRET,
    port: 0,
    log: logs.log,
    foreground,
    shedLogIntervalMs: 100,
  });
});

afterAll(async () => {
  slow.state.open();
  guarded.state.open();
  await gateway?.stop();
});

const get = async (path: string, token?: string) => {
  const response = await fetch(`${gateway.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

describe('reserved concurrency at the door', () => {
  it('admits exactly maxConcurrency requests and refuses the rest at once with 503 and Retry-After', async () => {
    let answered = 0;
    const answers = Array.from({ length: 12 }, () => get('/slow').then((a) => (answered++, a)));
    // The nine refusals are answered while the three admitted are still held inside the function.
    await until(() => slow.state.started === 3 && answered === 9, 'three admitted invocations and nine answers');
    expect(foreground.inFlight).toBe(3);

    slow.state.open();
    const statuses = await Promise.all(answers);
    expect(slow.state.started).toBe(3);
    expect(statuses.filter((a) => a.status === 200)).toHaveLength(3);
    const shed = statuses.filter((a) => a.status === 503);
    expect(shed).toHaveLength(9);
    for (const answer of shed) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable', type: 'urn:commerce:problem:service_unavailable' });
    }
    expect(foreground.inFlight).toBe(0);
    // The burst's first refusal is logged at once, the rest together at the end of the interval: all nine.
    const refusedInLog = () => logs.entries.filter((e) => e.level === 'WARN' && e.function === 'GatewaySlow' && e.maxConcurrency === 3).reduce((sum, e) => sum + Number(e.refused), 0);
    await until(() => refusedInLog() === 9, 'the nine refusals in the log');

    // The slots are free again.
    expect((await get('/slow')).status).toBe(200);
  });

  it('refuses for capacity before it reads the token', async () => {
    const held = get('/guarded', await signLocalToken({ sub: 'alice' }, SECRET));
    await until(() => guarded.state.started === 1, 'the one admitted invocation');
    // No token at all: a 503 (capacity), not a 401, because the refusal comes first.
    const refused = await get('/guarded');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    guarded.state.open();
    expect((await held).status).toBe(200);
    expect((await get('/guarded')).status).toBe(401);
  });

  it('counts event invocations against the same slots: they wait, and a request cannot overtake them', async () => {
    const order: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const fn = scriptedFunction(
      'GatewayShared',
      async (event) => {
        order.push((event as { name: string }).name);
        if ((event as { name: string }).name === 'first') await blocked;
        return ok;
      },
      { maxConcurrency: 1 },
    );
    const first = invoke(fn, { name: 'first' });
    await until(() => order.length === 1, 'the first invocation');
    const queued = invoke(fn, { name: 'queued' });
    expect(invoke.atCapacity?.(fn)).toBe(true);
    expect(invoke.tryInvoke?.(fn, { name: 'synchronous' })).toBeUndefined();
    release();
    await Promise.all([first, queued]);
    expect(order).toEqual(['first', 'queued']);
    expect(invoke.atCapacity?.(fn)).toBe(false);
  });

  it('leaves functions without maxConcurrency unlimited', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => get('/fast')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});

describe('timeouts', () => {
  it('answers a timed-out function with 503 and Retry-After, never 504, and logs it as an error', async () => {
    const answer = await get('/hung');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'ERROR', function: 'GatewayHung' }));
    expect(foreground.inFlight).toBe(0);
  });
});

describe('operator routes', () => {
  it('require a valid token at the gateway', async () => {
    expect((await get('/ops')).status).toBe(401);
    expect((await get('/ops', 'not-a-jwt')).status).toBe(401);
    // Group membership is the function's check (shared/http/identity.ts), as with Cognito in AWS.
    expect((await get('/ops', await signLocalToken({ sub: 'op', groups: ['operator'] }, SECRET))).status).toBe(200);
  });
});
