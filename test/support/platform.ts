import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { signLocalToken, type TokenClaims } from '../../bin/local/local-jwt';
import { startPlatform, type Platform, type PlatformOptions } from '../../bin/local/platform';
import { offsetClock, type TestClock } from './clock';

/**
 * A whole local platform for one test file: its own tables, queues, Redis key prefix,
 * bus and gateway on a free port, over the run's shared DynamoDB Local and Redis.
 */
export interface TestPlatform extends Platform {
  /** fetch() against the gateway with JSON in and out. */
  request(method: string, path: string, init?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse>;
  token(claims: TokenClaims): Promise<string>;
  /** The clock the platform's use cases read: the system's time until the test advances it. */
  readonly clock: TestClock;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

export async function startTestPlatform(options: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const clock = offsetClock();
  const platform = await startPlatform({
    clock,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    redisUrl: inject('redisUrl'),
    namePrefix: `t${randomBytes(4).toString('hex')}-`,
    port: 0,
    logLevel: 'SILENT',
    ...options,
  });
  const secret = platform.env.LOCAL_JWT_SECRET!;
  return {
    ...platform,
    clock,
    token: (claims) => signLocalToken(claims, secret),
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${platform.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
}
