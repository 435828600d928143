import { describe, expect, it } from 'vitest';
import { DomainError, NotFoundError, RateLimitedError, UnavailableError, ValidationError } from '#shared/errors';
import { internalProblem, problem, problemFromError, unavailableFrom } from '#shared/http/problem';
import { DeadlineExceededError } from '#shared/platform/deadline';

describe('problem documents', () => {
  it('maps domain errors to statuses and stable codes', () => {
    expect(problemFromError(new NotFoundError('gone'))?.status).toBe(404);
    expect(problemFromError(new DomainError('out_of_stock', 'short', { skus: ['A'] }))?.body).toMatchObject({
      status: 409,
      code: 'out_of_stock',
      skus: ['A'],
      title: 'Conflict',
      type: 'urn:commerce:problem:out_of_stock',
    });
  });

  it('lists offending fields of a validation error', () => {
    const mapped = problemFromError(new ValidationError('bad', [{ path: 'body.name', message: 'required' }]));
    expect(mapped?.status).toBe(400);
    expect(mapped?.body.errors).toEqual([{ path: 'body.name', message: 'required' }]);
  });

  it('turns retryAfterSeconds into a Retry-After header', () => {
    const mapped = problemFromError(new RateLimitedError('slow down', 2.2));
    expect(mapped?.status).toBe(429);
    expect(mapped?.headers['retry-after']).toBe('3');
    expect(mapped?.body).not.toHaveProperty('retryAfterSeconds');
  });

  it('says nothing of internals for unexpected errors', () => {
    expect(problemFromError(new TypeError('x is undefined'))).toBeUndefined();
    const internal = internalProblem('req-1');
    expect(internal.status).toBe(500);
    expect(internal.body.detail).not.toContain('TypeError');
    expect(internal.body.reference).toBe('req-1');
  });

  it('uses the problem media type', () => {
    expect(problem('forbidden', 'no').headers['content-type']).toBe('application/problem+json');
  });

  it('turns a dependency that is slow, down or throttling into 503 with Retry-After, saying nothing of it', () => {
    const raw = [
      Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 3000 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
      Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:6379'), { code: 'ECONNREFUSED' }),
      new Error('socket hang up'),
      new Error('Command timed out'),
      Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('We encountered an internal error.'), { name: 'SomeAwsError', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      new DeadlineExceededError('DynamoDB', 20),
      new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
    ];
    for (const error of raw) {
      const mapped = problemFromError(error);
      expect(mapped?.status).toBe(503);
      expect(mapped?.body.code).toBe('service_unavailable');
      expect(mapped?.headers['retry-after']).toBe('2');
      expect(mapped?.body.detail).not.toContain(error.message);
      expect(unavailableFrom(error)?.cause).toBe(error);
    }
  });

  it('finds an unavailable dependency behind a wrapper, and leaves other errors alone', () => {
    const gate = new UnavailableError('The inventory gate cannot be reached; nothing was sold.', 2);
    const wrapped = new Error('Failed to update success record to idempotency store', { cause: gate });
    expect(unavailableFrom(wrapped)).toBe(gate);
    expect(problemFromError(wrapped)?.headers['retry-after']).toBe('2');
    expect(unavailableFrom(new Error('Cannot read properties of undefined'))).toBeUndefined();
    expect(unavailableFrom(new DomainError('conflict', 'changed', {}))).toBeUndefined();
    expect(
      unavailableFrom(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $fault: 'client', $metadata: { httpStatusCode: 400 } })),
    ).toBeUndefined();
  });
});
