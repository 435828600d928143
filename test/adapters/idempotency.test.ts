import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { z } from 'zod';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { defineContract } from '#shared/http/contract';
import { httpHandler } from '#shared/http/http-handler';
import { powertoolsIdempotency, processOnce, type IdempotencyOptions } from '#shared/adapters/powertools/idempotency';
import { DomainError, RequestInProgressError } from '#shared/errors';
import { eventually } from '../support/eventually';
import { ShopParams } from '#shared/http/schemas';

const contract = defineContract({
  operationId: 'testPay',
  auth: 'customer',
  summary: 'test',
  tags: ['test'],
  idempotency: 'required',
  params: ShopParams,
  body: z.object({ amount: z.number().int().positive() }),
  responses: { 201: { description: 'created' } },
});

let idempotency: IdempotencyOptions;
/** processOnce's own store (a Powertools persistence layer keeps the key path of its first user). */
let once: IdempotencyOptions;

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  idempotency = { persistenceStore: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }), waitForInProgressMs: 20_000 };
  once = { persistenceStore: new DynamoDBPersistenceLayer({ tableName: tables.idempotency, awsSdkV3Client: client }), waitForInProgressMs: 20_000 };
});

/** A Lambda context with `remainingMs` left, counting down. */
function context(remainingMs = 10_000): Context {
  const deadline = Date.now() + remainingMs;
  return { functionName: 'test', awsRequestId: randomBytes(8).toString('hex'), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}

function event(body: unknown, key: string | undefined, sub = 'alice'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/shops/{shopId}/pay',
    rawPath: '/v1/shops/demo/pay',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    pathParameters: { shopId: 'demo' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: randomBytes(6).toString('hex'), authorizer: { jwt: { claims: { sub }, scopes: null } } } as never,
  };
}

function counter(behaviour: (n: number, amount: number) => Promise<unknown> | unknown = (n) => ({ paymentNumber: n }), options: Partial<IdempotencyOptions> = {}) {
  let runs = 0;
  const handler = httpHandler(
    contract,
    async ({ body }) => {
      runs += 1;
      const n = runs;
      await new Promise((r) => setTimeout(r, 30));
      return { status: 201, body: await behaviour(n, body.amount) };
    },
    { idempotency: powertoolsIdempotency({ ...idempotency, ...options }) },
  );
  return {
    runs: () => runs,
    call: async (e: APIGatewayProxyEventV2, remainingMs?: number) => {
      const result = (await handler(e, context(remainingMs))) as APIGatewayProxyStructuredResultV2;
      return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
    },
    headersOf: async (e: APIGatewayProxyEventV2, remainingMs?: number) => {
      const result = (await handler(e, context(remainingMs))) as APIGatewayProxyStructuredResultV2;
      return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body ?? 'null') };
    },
  };
}

const key = () => `key-${randomBytes(6).toString('hex')}`;

describe('Idempotency-Key against DynamoDB Local', () => {
  it('answers a replay with the first response and runs once', async () => {
    const pay = counter();
    const k = key();
    const first = await pay.call(event({ amount: 100 }, k));
    const second = await pay.call(event({ amount: 100 }, k));
    expect(first).toEqual({ status: 201, body: { paymentNumber: 1 } });
    expect(second).toEqual(first);
    expect(pay.runs()).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    const pay = counter();
    const k = key();
    await pay.call(event({ amount: 100 }, k));
    const conflict = await pay.call(event({ amount: 999 }, k));
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('idempotency_conflict');
    expect(pay.runs()).toBe(1);
  });

  it('runs once for twenty simultaneous requests with one key', async () => {
    const pay = counter();
    const k = key();
    const results = await Promise.all(Array.from({ length: 20 }, () => pay.call(event({ amount: 5 }, k))));
    expect(pay.runs()).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ status: 201, body: { paymentNumber: 1 } })]));
  });

  it('answers a duplicate 409 request_in_progress with Retry-After when its time runs out before the first finishes', async () => {
    let finishFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (finishFirst = resolve));
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    const pay = counter(async (n) => {
      started();
      await firstMayFinish;
      return { paymentNumber: n };
    });
    const k = key();
    const first = pay.call(event({ amount: 7 }, k));
    await firstStarted;
    // The first finishes 3 s on: a duplicate that waited for it (up to 20 s here) would get its 201.
    const timer = setTimeout(finishFirst, 3_000);

    const duplicate = await pay.headersOf(event({ amount: 7 }, k), 1_000);
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'request_in_progress']);
    expect(Number(duplicate.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(pay.runs()).toBe(1);

    clearTimeout(timer);
    finishFirst();
    expect(await first).toEqual({ status: 201, body: { paymentNumber: 1 } });
    expect(await pay.call(event({ amount: 7 }, k))).toEqual({ status: 201, body: { paymentNumber: 1 } });
    expect(pay.runs()).toBe(1);
  });

  it('scopes keys to the caller', async () => {
    const pay = counter();
    const k = key();
    await pay.call(event({ amount: 5 }, k, 'alice'));
    await pay.call(event({ amount: 5 }, k, 'bob'));
    expect(pay.runs()).toBe(2);
  });

  it('requires the header', async () => {
    const pay = counter();
    const res = await pay.call(event({ amount: 5 }, undefined));
    expect([res.status, res.body.code]).toEqual([400, 'idempotency_key_required']);
    expect(pay.runs()).toBe(0);
  });

  it('stores a refusal but lets a crash be retried', async () => {
    const declined = counter(() => {
      throw new DomainError('payment_declined', 'declined');
    });
    const k1 = key();
    expect((await declined.call(event({ amount: 5 }, k1))).status).toBe(402);
    expect((await declined.call(event({ amount: 5 }, k1))).status).toBe(402);
    expect(declined.runs()).toBe(1);

    const flaky = counter((n) => {
      if (n === 1) throw new Error('lost the connection');
      return { ok: n };
    });
    const k2 = key();
    expect((await flaky.call(event({ amount: 5 }, k2))).status).toBe(500);
    expect(await flaky.call(event({ amount: 5 }, k2))).toEqual({ status: 201, body: { ok: 2 } });
    expect(await flaky.call(event({ amount: 5 }, k2))).toEqual({ status: 201, body: { ok: 2 } });
    expect(flaky.runs()).toBe(2);
  });

  it('lets the retry run once a record left in progress by a process that died is older than inProgressExpiresAfterMs', async () => {
    // The first run never ends and never removes its record, as when its process is killed.
    const pay = counter((n) => (n === 1 ? new Promise(() => {}) : { paymentNumber: n }), { inProgressExpiresAfterMs: 1_000 });
    const k = key();
    void pay.call(event({ amount: 3 }, k), 25_000);
    await eventually(async () => expect(pay.runs()).toBe(1));

    // The retry (with the function's whole timeout ahead of it) waits out the dead record, then runs.
    const retried = await pay.call(event({ amount: 3 }, k), 25_000);

    expect(retried).toEqual({ status: 201, body: { paymentNumber: 2 } });
    expect(await pay.call(event({ amount: 3 }, k))).toEqual(retried);
    expect(pay.runs()).toBe(2);
  });

  it('a duplicate outside any time budget still waits no longer than its Lambda context has left', async () => {
    let finishFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (finishFirst = resolve));
    const id = key();
    const first = processOnce(once, id, async () => {
      await firstMayFinish;
      return 'first';
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The first finishes 3 s on; the duplicate's function has 1 s left (the wait limit alone, 20 s, would outlive it).
    const timer = setTimeout(finishFirst, 3_000);

    await expect(processOnce(once, id, async () => 'second', context(1_000))).rejects.toBeInstanceOf(RequestInProgressError);

    clearTimeout(timer);
    finishFirst();
    expect(await first).toBe('first');
  });
});
