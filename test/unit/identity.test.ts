import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '#shared/errors';
import { authorize, identityFromClaims, parseListClaim } from '#shared/http/identity';

describe('claims', () => {
  it.each([
    ['[admin staff]', ['admin', 'staff']],
    ['["admin","staff"]', ['admin', 'staff']],
    ['admin', ['admin']],
    ['a,b', ['a', 'b']],
    [
      ['x', 'y'],
      ['x', 'y'],
    ],
    ['[]', []],
    [undefined, []],
  ])('parses the list claim %j', (input, expected) => {
    expect(parseListClaim(input)).toEqual(expected);
  });

  it('reads Cognito group and attribute names', () => {
    expect(identityFromClaims({ sub: 'u1', 'cognito:groups': '[admin]', 'custom:shops': 'demo,other' })).toEqual({
      sub: 'u1',
      groups: ['admin'],
      shops: ['demo', 'other'],
    });
  });

  it('has no identity without a subject', () => {
    expect(identityFromClaims({ groups: '[admin]' })).toBeUndefined();
    expect(identityFromClaims(undefined)).toBeUndefined();
  });
});

describe('authorize', () => {
  const admin = { sub: 'staff', groups: ['admin'], shops: ['demo'] };
  const customer = { sub: 'alice', groups: [], shops: [] };

  it('lets anyone call public and signed routes', () => {
    expect(() => authorize('public', undefined, 'demo')).not.toThrow();
    expect(() => authorize('signed', undefined, undefined)).not.toThrow();
  });

  it('requires a token for customer routes', () => {
    expect(() => authorize('customer', undefined, 'demo')).toThrow(UnauthorizedError);
    expect(() => authorize('customer', customer, 'demo')).not.toThrow();
  });

  it('requires the admin group and the shop for admin routes', () => {
    expect(() => authorize('admin', customer, 'demo')).toThrow(ForbiddenError);
    expect(() => authorize('admin', admin, 'other')).toThrow(ForbiddenError);
    expect(() => authorize('admin', admin, 'demo')).not.toThrow();
  });

  it('requires the operator group, and no shop, for operator routes', () => {
    const operator = { sub: 'ops-1', groups: ['operator'], shops: [] };
    expect(() => authorize('operator', undefined, undefined)).toThrow(UnauthorizedError);
    expect(() => authorize('operator', customer, undefined)).toThrow(ForbiddenError);
    expect(() => authorize('operator', admin, undefined)).toThrow(ForbiddenError);
    expect(() => authorize('operator', operator, undefined)).not.toThrow();
    // An operator is not a shop's staff.
    expect(() => authorize('admin', operator, 'demo')).toThrow(ForbiddenError);
  });
});
