import { describe, expect, it } from 'vitest';
import { DomainError, NotFoundError, RateLimitedError, ValidationError } from '#shared/errors';
import { internalProblem, problem, problemFromError } from '#shared/http/problem';

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
});
