import { createServer, type Server, type Socket } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Client, Transport } from '@opensearch-project/opensearch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BudgetedRetryStrategy } from '#shared/adapters/aws/client-options';
import { createDynamoDbClient, DYNAMODB_LIMITS } from '#shared/adapters/dynamodb/client';
import { withinBudget } from '#shared/adapters/opensearch/client';
import { closeRedis, redis } from '#shared/adapters/redis/client';
import { stripePaymentGateway } from '#shared/adapters/stripe/stripe-payment-gateway';
import { httpWarehouse } from '#shared/adapters/warehouse/http-warehouse';
import { PaymentUnavailableError } from '#shared/checkout/payment-gateway';
import { resetConfig } from '#shared/config';
import { UnavailableError } from '#shared/errors';
import { WarehouseUnavailableError } from '#shared/fulfillment/warehouse';
import { unavailableFrom } from '#shared/http/problem';
import { DeadlineExceededError, runWithBudget } from '#shared/platform/deadline';
import { startSlowServer, type SlowServer } from '../support/slow-server';

/**
 * Every client against a deliberately slow dependency: a call made within a short time
 * budget gives up, after as many attempts as fit, before the dependency would have
 * answered, and what it throws is recognized as a dependency's failure (503).
 */
const servers: SlowServer[] = [];
const slow = async (options?: Parameters<typeof startSlowServer>[0]) => {
  const server = await startSlowServer(options);
  servers.push(server);
  return server;
};

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const dynamoAt = (endpoint: string, limits = DYNAMODB_LIMITS) => createDynamoDbClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }, limits);
const getItem = new GetItemCommand({ TableName: 'products', Key: { pk: { S: 'PRODUCT#demo#1' }, sk: { S: 'PRODUCT' } } });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('DynamoDB client within a time budget', () => {
  it('gives up on a dependency that never answers after the one attempt that fits, as a dependency failure', async () => {
    const server = await slow();
    const error = await rejection(runWithBudget(800, () => dynamoAt(server.url).send(getItem)));
    expect(error.name).toBe('TimeoutError');
    expect(server.requests()).toBe(1); // 3 s per attempt, 4 attempts: only one fits in 800 ms
    expect(server.answered()).toBe(0);
    expect(unavailableFrom(error)).toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 2 });
  });

  it('retries a dependency that drops connections, with backoff, up to its attempts', async () => {
    const server = await slow({ reset: true });
    const error = await rejection(runWithBudget(20_000, () => dynamoAt(server.url).send(getItem)));
    expect(server.requests()).toBe(DYNAMODB_LIMITS.maxAttempts);
    expect(unavailableFrom(error)).toBeInstanceOf(UnavailableError);
  });

  it('does not start an attempt that cannot fit in what is left', async () => {
    const server = await slow();
    const error = await rejection(runWithBudget(20, () => dynamoAt(server.url).send(getItem)));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(server.requests()).toBe(0);
    expect(unavailableFrom(error)?.code).toBe('service_unavailable');
  });

  it('times each attempt out even outside a budget', async () => {
    const server = await slow();
    const error = await rejection(dynamoAt(server.url, { service: 'DynamoDB', requestTimeoutMs: 150, maxAttempts: 2 }).send(getItem));
    expect(error.name).toBe('TimeoutError');
    expect(server.requests()).toBe(2);
    expect(server.answered()).toBe(0);
  });
});

describe('AWS retry strategy', () => {
  type ErrorInfo = Parameters<BudgetedRetryStrategy['refreshRetryTokenForRetry']>[1];
  const transient = { errorType: 'TRANSIENT', error: Object.assign(new Error('timed out'), { name: 'TimeoutError', $metadata: {} }) } as ErrorInfo;

  it('retries transient errors while attempts remain, with growing pauses', async () => {
    const strategy = new BudgetedRetryStrategy(3);
    const first = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(), transient);
    const second = await strategy.refreshRetryTokenForRetry(first, transient);
    expect([first.getRetryCount(), second.getRetryCount()]).toEqual([1, 2]);
    expect(first.getRetryDelay()).toBeGreaterThan(0);
    await expect(strategy.refreshRetryTokenForRetry(second, transient)).rejects.toThrow(/no attempts left/);
  });

  it('never retries a client error, nor past the budget', async () => {
    const strategy = new BudgetedRetryStrategy(5);
    const start = await strategy.acquireInitialRetryToken();
    await expect(strategy.refreshRetryTokenForRetry(start, { errorType: 'CLIENT_ERROR' })).rejects.toThrow(/not retryable/);
    await expect(runWithBudget(60, () => strategy.refreshRetryTokenForRetry(start, transient))).rejects.toThrow(/no time left/);
  });

  it('spends a quota on retries, so a dependency that keeps failing gets fewer of them', async () => {
    const strategy = new BudgetedRetryStrategy(2);
    const start = await strategy.acquireInitialRetryToken();
    let granted = 0;
    for (let i = 0; i < 100; i++) {
      try {
        await strategy.refreshRetryTokenForRetry(start, transient);
        granted += 1;
      } catch {
        break;
      }
    }
    expect(granted).toBe(50); // 500 / 10 per timeout retry
    await expect(strategy.refreshRetryTokenForRetry(start, transient)).rejects.toThrow(/quota/);
  });
});

describe('Stripe within a time budget', () => {
  it('gives up on a Stripe that never answers, says nothing of the SDK, and does not retry past the budget', async () => {
    const server = await slow();
    const gateway = stripePaymentGateway({ secretKey: 'sk_test_slow', webhookSecret: 'whsec_slow', host: server.host, port: server.port, protocol: 'http' });
    const error = await rejection(runWithBudget(2_000, () => gateway.authorize({ amount: { amount: 100, currency: 'USD' }, paymentMethodId: 'pm_card_visa', idempotencyKey: 'slow-1', metadata: {} })));
    expect(error).toBeInstanceOf(PaymentUnavailableError);
    expect(server.requests()).toBe(1);
    expect(server.answered()).toBe(0);
    expect(error.message).not.toMatch(/127\.0\.0\.1|ETIMEDOUT|timeout being reached/);
    expect((error.cause as { type?: string }).type).toBe('StripeAPIError'); // the refusal of the retry that did not fit
  });

  it('refuses at once, without calling Stripe, when the budget has no room', async () => {
    const server = await slow();
    const gateway = stripePaymentGateway({ secretKey: 'sk_test_slow', webhookSecret: 'whsec_slow', host: server.host, port: server.port, protocol: 'http' });
    const error = await rejection(runWithBudget(500, () => gateway.get('pi_1')));
    expect(error).toBeInstanceOf(PaymentUnavailableError);
    expect(error.message).toContain('no time left');
    expect(server.requests()).toBe(0);
  });
});

describe('warehouse within a time budget', () => {
  it('gives up before the warehouse answers, with the warehouse unavailable error', async () => {
    const server = await slow();
    const warehouse = httpWarehouse({ url: `${server.url}/orders`, secret: 's', timeoutMs: 30_000 });
    const order = {
      shopId: 'demo',
      orderId: 'o-1',
      lines: [],
      shippingAddress: { name: 'A', line1: '1 Main St', city: 'Lyon', postalCode: '69001', country: 'FR' },
      placedAt: '2026-01-01T00:00:00.000Z',
    };
    const error = await rejection(runWithBudget(600, () => warehouse.handOver(order)));
    expect(error).toBeInstanceOf(WarehouseUnavailableError);
    expect(server.requests()).toBe(1);
    expect(server.answered()).toBe(0);
  });
});

describe('OpenSearch within a time budget', () => {
  it('shares what is left among the attempts that fit, and fails as a dependency failure', async () => {
    const server = await slow();
    const client = new Client({ node: server.url, requestTimeout: 30_000, maxRetries: 2, Transport: withinBudget(Transport) });
    const error = await rejection(runWithBudget(900, () => client.search({ index: 'products', body: { query: { match_all: {} } } })));
    expect(error.name).toBe('TimeoutError');
    expect(server.requests()).toBeGreaterThanOrEqual(1);
    expect(server.requests()).toBeLessThanOrEqual(3);
    expect(server.answered()).toBe(0);
    expect(unavailableFrom(error)?.code).toBe('service_unavailable');
    await client.close();
  });
});

describe('Redis within a time budget', () => {
  /**
   * A Redis that answers the handshake (INFO after 20 ms, as a remote server might; CLIENT)
   * and SET, and never answers GET.
   */
  let fake: Server;
  const sockets = new Set<Socket>();
  let commands: string[] = [];

  beforeAll(async () => {
    fake = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', (data) => {
        for (const command of parseCommands(data.toString('utf8'))) {
          commands.push(command);
          if (command === 'info') setTimeout(() => socket.writable && socket.write(`$${INFO.length}\r\n${INFO}\r\n`), 20);
          else if (command === 'client' || command === 'set') socket.write('+OK\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    process.env.REDIS_URL = `redis://127.0.0.1:${(fake.address() as { port: number }).port}`;
    resetConfig();
  });

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await closeRedis();
    commands = [];
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  it('times a command out within the budget, before one sent outside any budget', async () => {
    const client = await redis();
    const unbudgeted = client.get('outside').then(
      () => 'answered',
      () => 'failed',
    );
    let settledFirst: string | undefined;
    void unbudgeted.then((outcome) => (settledFirst ??= `unbudgeted ${outcome}`));
    const error = await rejection(runWithBudget(200, () => client.get('inside')));
    settledFirst ??= 'budgeted';
    expect(settledFirst).toBe('budgeted');
    expect(error.message).toBe('Command timed out');
    expect(commands).toEqual(expect.arrayContaining(['get']));
    expect(unavailableFrom(error)?.code).toBe('service_unavailable');
    expect(await unbudgeted).toBe('failed'); // its own command timeout, later
  });

  it('keeps the connection out of the budget of the request that opened it: it still reconnects once that budget is gone', async () => {
    const client = await runWithBudget(500, () => redis());
    await new Promise((resolve) => setTimeout(resolve, 600)); // that request's budget is over
    const handshakesBefore = commands.filter((c) => c === 'info').length;
    const ready = new Promise((resolve) => client.once('ready', () => resolve('ready')));
    client.disconnect(true);
    // Had the reconnection inherited the spent budget, every handshake would time out at once and it would never be ready.
    expect(await Promise.race([ready, new Promise((resolve) => setTimeout(() => resolve('never ready'), 5_000))])).toBe('ready');
    expect(commands.filter((c) => c === 'info').length).toBe(handshakesBefore + 1);
    expect(await client.set('k', 'v')).toBe('OK');
  });
});

const INFO = '# Server\r\nloading:0\r\n';

/** Command names of RESP arrays in `text` (`*2\r\n$3\r\nGET\r\n...`). */
function parseCommands(text: string): string[] {
  const names: string[] = [];
  const pattern = /\*\d+\r\n\$\d+\r\n([^\r]+)\r\n/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) names.push(match[1]!.toLowerCase());
  return names;
}
