import { DescribeEventBusCommand, EventBridgeClient, ListRulesCommand, PutEventsCommand, TestEventPatternCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRule } from '#functions/events';
import { deliveryRetryDelayMs, startEventBus, type EventBridgeEnvelope, type LocalEventBus } from '#bin/local/event-bus';
import { createInvoker, localLambdaContext, TimeoutError } from '#bin/local/lambda-context';
import { collectingLog, FAKE_CREDENTIALS, PROJECT_ROOT, REGION, scriptedFunction, sleep } from './fixtures/scripted';

const BUS = 'commerce-local';
const received = new Map<string, EventBridgeEnvelope[]>();
const recorder = (id: string) =>
  scriptedFunction(id, (event) => {
    received.set(id, [...(received.get(id) ?? []), event as EventBridgeEnvelope]);
  });
const got = (id: string) => received.get(id) ?? [];

const fnA = recorder('BusTargetA');
const fnB = recorder('BusTargetB');
const fnBig = recorder('BusTargetBigOrders');
const fnCatalog = recorder('BusTargetCatalog');
let flakyCalls = 0;
const fnFlaky = scriptedFunction('BusTargetFlaky', () => {
  flakyCalls++;
  if (flakyCalls <= 2) throw new Error(`flaky failure ${flakyCalls}`);
});
let brokenCalls = 0;
const fnBroken = scriptedFunction('BusTargetBroken', () => {
  brokenCalls++;
  throw new Error('always broken');
});
const fnSlow = scriptedFunction('BusTargetSlow', () => sleep(2_000), { timeoutSeconds: 0.2 });

const rules: EventRule[] = [
  { id: 'OrderPlaced', description: 'every placed order', pattern: { source: ['commerce.orders'], 'detail-type': ['OrderPlaced'] }, targets: [fnA, fnB] },
  { id: 'BigOrders', description: 'orders over 100', pattern: { source: ['commerce.orders'], detail: { total: [{ numeric: ['>', 100] }] } }, targets: [fnBig] },
  { id: 'Catalog', description: 'catalog changes', pattern: { source: ['commerce.catalog'] }, targets: [fnCatalog] },
  { id: 'Flaky', description: 'fails twice', pattern: { source: ['test.flaky'] }, targets: [fnFlaky] },
  { id: 'Broken', description: 'always fails', pattern: { source: ['test.broken'] }, targets: [fnBroken] },
  { id: 'Slow', description: 'times out', pattern: { source: ['test.slow'] }, targets: [fnSlow] },
];

let bus: LocalEventBus;
let client: EventBridgeClient;
const logs = collectingLog();

beforeAll(async () => {
  bus = await startEventBus({ busName: BUS, rules, invoke: createInvoker({ root: PROJECT_ROOT }), retryAttempts: 2, log: logs.log });
  client = new EventBridgeClient({ region: REGION, credentials: FAKE_CREDENTIALS, endpoint: bus.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await bus?.stop();
});

const order = (total: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: BUS,
  Source: 'commerce.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ orderId: `o-${total}`, total }),
  ...extra,
});

describe('local event bus', () => {
  it('delivers PutEvents from the real SDK to exactly the matching rules’ targets, with the EventBridge envelope', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [order(50, { Resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/Orders'] }), order(150, { Time: new Date('2026-01-02T03:04:05.678Z') })],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    const [id50, id150] = out.Entries!.map((e) => e.EventId!);
    expect(id50).toMatch(/^[0-9a-f-]{36}$/);

    await bus.idle();
    expect(
      got('BusTargetA')
        .map((e) => e.id)
        .sort(),
    ).toEqual([id50, id150].sort());
    expect(
      got('BusTargetB')
        .map((e) => e.id)
        .sort(),
    ).toEqual([id50, id150].sort());
    expect(got('BusTargetBigOrders').map((e) => e.id)).toEqual([id150]);
    expect(got('BusTargetCatalog')).toEqual([]);

    const e50 = got('BusTargetA').find((e) => e.id === id50)!;
    expect(e50).toEqual({
      version: '0',
      id: id50,
      'detail-type': 'OrderPlaced',
      source: 'commerce.orders',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/Orders'],
      detail: { orderId: 'o-50', total: 50 },
    });
    expect(got('BusTargetBigOrders')[0]).toMatchObject({ time: '2026-01-02T03:04:05Z', resources: [], detail: { total: 150 } });
  });

  it('works through AWS_ENDPOINT_URL_EVENTBRIDGE, and accepts the bus ARN as EventBusName', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.endpoint;
    const fromEnv = new EventBridgeClient({ region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    try {
      const { Arn } = await fromEnv.send(new DescribeEventBusCommand({ Name: BUS }));
      const out = await fromEnv.send(new PutEventsCommand({ Entries: [{ EventBusName: Arn, Source: 'commerce.catalog', DetailType: 'ProductChanged', Detail: '{"sku":"X"}' }] }));
      expect(out.FailedEntryCount).toBe(0);
      await bus.idle();
      expect(got('BusTargetCatalog').map((e) => e.id)).toEqual([out.Entries![0]!.EventId]);
    } finally {
      fromEnv.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = previous;
    }
  });

  it('rejects invalid entries one by one, like AWS, and delivers the valid ones', async () => {
    const before = got('BusTargetA').length;
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          order(1),
          { EventBusName: BUS, DetailType: 'OrderPlaced', Detail: '{}' },
          { EventBusName: BUS, Source: 'commerce.orders', Detail: '{}' },
          { EventBusName: BUS, Source: 'commerce.orders', DetailType: 'OrderPlaced' },
          { EventBusName: BUS, Source: 'commerce.orders', DetailType: 'OrderPlaced', Detail: '{not json' },
          { EventBusName: BUS, Source: 'commerce.orders', DetailType: 'OrderPlaced', Detail: '[1,2]' },
          order(2, { EventBusName: 'someone-elses-bus' }),
          order(3, { EventBusName: undefined }),
          order(4, { Source: 'aws.orders' }),
          order(5),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(8);
    expect(out.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus someone-elses-bus does not exist.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus default does not exist.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { EventId: expect.any(String) },
    ]);
    await bus.idle();
    expect(got('BusTargetA').length - before).toBe(2);
  });

  it('rejects a request of more than 10 entries (or none) as a whole', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => order(i));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('retries a failing target with backoff; a target that keeps failing ends in `failed` (the DLQ) and the log', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: BUS, Source: 'test.flaky', DetailType: 'T', Detail: '{"n":1}' },
          { EventBusName: BUS, Source: 'test.broken', DetailType: 'T', Detail: '{"n":2}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await bus.idle();
    expect(flakyCalls).toBe(3); // two failures, then success on the second retry
    expect(brokenCalls).toBe(3); // first attempt + retryAttempts (2)
    const dead = bus.failed.filter((f) => f.ruleId === 'Broken');
    expect(dead).toEqual([{ ruleId: 'Broken', target: 'BusTargetBroken', event: expect.objectContaining({ id: out.Entries![1]!.EventId, detail: { n: 2 } }), error: 'Error: always broken' }]);
    expect(bus.failed.some((f) => f.ruleId === 'Flaky')).toBe(false);
    expect(logs.entries).toContainEqual(expect.objectContaining({ level: 'error', ruleId: 'Broken', target: 'BusTargetBroken', attempts: 3 }));
  });

  it('applies the function timeout (TimeoutError) like Lambda', async () => {
    await client.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: 'test.slow', DetailType: 'T', Detail: '{}' }] }));
    await bus.idle();
    expect(bus.failed.find((f) => f.ruleId === 'Slow')?.error).toMatch(/^TimeoutError: BusTargetSlow: Task timed out after 0\.20 seconds/);
  });

  it('answers DescribeEventBus and TestEventPattern, and other operations with an AWS JSON error', async () => {
    const described = await client.send(new DescribeEventBusCommand({ Name: BUS }));
    expect(described).toMatchObject({ Name: BUS, Arn: `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}` });
    await expect(client.send(new DescribeEventBusCommand({ Name: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Event bus nope does not exist.' });
    const tested = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail":{"n":[{"numeric":[">",1]}]}}',
        Event: JSON.stringify({ id: '1', source: 's', 'detail-type': 'd', account: '000000000000', time: '2026-01-01T00:00:00Z', region: REGION, resources: [], detail: { n: 2 } }),
      }),
    );
    expect(tested.Result).toBe(true);
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses to start with a rule whose pattern EventBridge would reject', async () => {
    await expect(startEventBus({ busName: 'x', rules: [{ id: 'Bad', description: '', pattern: { source: [{ numeric: ['>'] }] }, targets: [] }], invoke: async () => undefined })).rejects.toThrow(
      /Bad/,
    );
  });
});

describe('local Lambda context', () => {
  it('looks like Lambda’s', () => {
    const context = localLambdaContext({ id: 'Orders', entry: 'x.ts', description: '', uses: {}, memoryMb: 256, timeoutSeconds: 3 });
    expect(context).toMatchObject({
      functionName: 'Orders',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:Orders',
      memoryLimitInMB: '256',
      logGroupName: '/aws/lambda/Orders',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const left = context.getRemainingTimeInMillis();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(3000);
    expect(localLambdaContext({ id: 'D', entry: 'x.ts', description: '', uses: {} }).memoryLimitInMB).toBe('512');
  });

  it('the invoker passes the context, returns the result, and rejects with TimeoutError after timeoutSeconds', async () => {
    const invoke = createInvoker({ root: PROJECT_ROOT });
    const echo = scriptedFunction('InvokerEcho', (event, context) => ({ event, name: context.functionName, left: context.getRemainingTimeInMillis() }));
    const result = (await invoke(echo, { hello: 1 })) as { event: unknown; name: string; left: number };
    expect(result).toMatchObject({ event: { hello: 1 }, name: 'InvokerEcho' });
    expect(result.left).toBeGreaterThan(0);
    const slow = scriptedFunction('InvokerSlow', () => sleep(1000), { timeoutSeconds: 0.05 });
    await expect(invoke(slow, {})).rejects.toBeInstanceOf(TimeoutError);
    await expect(invoke({ ...echo, entry: 'test/local/fixtures/does-not-exist.handler.ts' }, {})).rejects.toThrow();
  });
});

describe('delivery retry pauses', () => {
  const at = (random: number) => (retry: number, error?: unknown) => deliveryRetryDelayMs(retry, error, { baseMs: 100, maxMs: 5_000, random: () => random });
  const shortest = at(0);
  const longest = at(0.999_999);

  it('grow exponentially: the shortest pause before a retry is the longest before the previous one', () => {
    expect([1, 2, 3, 4, 5].map((retry) => shortest(retry))).toEqual([50, 100, 200, 400, 800]);
    for (let retry = 1; retry < 6; retry++) expect(shortest(retry + 1)).toBeGreaterThanOrEqual(longest(retry));
  });

  it('are spread by jitter, and capped', () => {
    expect(new Set([0, 0.25, 0.5, 0.75].map((random) => at(random)(3))).size).toBe(4);
    expect(longest(20)).toBe(5_000);
    expect(shortest(20)).toBe(2_500);
  });

  it('are never shorter than the Retry-After the failed target asked for', () => {
    const unavailable = Object.assign(new Error('dependency down'), { retryAfterSeconds: 2 });
    expect(shortest(1, unavailable)).toBe(2_000);
    expect(shortest(1, Object.assign(new Error('x'), { retryAfterSeconds: 60 }))).toBe(5_000);
    expect(shortest(1, new Error('no hint'))).toBe(50);
  });
});
