import type { ZodObject, ZodType } from 'zod';

/**
 * What a route accepts and answers, in zod. The handler validates with these schemas and
 * the OpenAPI document is generated from them, so the two cannot disagree.
 */
export interface ResponseContract {
  readonly description: string;
  readonly schema?: ZodType;
  /** Content type when it is not application/json (problem documents are added automatically). */
  readonly contentType?: string;
}

export interface RouteContract {
  readonly operationId: string;
  readonly auth: RouteAuth;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly params?: ZodObject;
  readonly query?: ZodObject;
  readonly body?: ZodType;
  /**
   * A body that is not JSON (e.g. `application/x-ndjson`): the handler gets the raw text,
   * validated by `body` (a string schema), and other content types are refused (415).
   * @default JSON
   */
  readonly bodyContentType?: string;
  /** Largest request body accepted (413 beyond). @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** `required`: the route refuses a request without `Idempotency-Key`. */
  readonly idempotency?: 'required' | 'optional';
  /** Successful responses by status; error responses are problem documents. */
  readonly responses: Readonly<Record<number, ResponseContract>>;
  /** Error statuses this route may answer, documented as problem documents. */
  readonly errors?: readonly number[];
}

export function defineContract<const C extends RouteContract>(contract: C): C {
  return contract;
}

/**
 * Who may call a route:
 * - `public`: anyone;
 * - `customer`: a valid token (any `sub`);
 * - `admin`: a valid token in group `admin` whose `shops` claim contains the path's shop;
 * - `operator`: a valid token in group `operator` (platform operators; not tied to a shop);
 * - `signed`: no token; the handler verifies a request signature (webhooks).
 */
export type RouteAuth = 'public' | 'customer' | 'admin' | 'operator' | 'signed';

/** The kinds of route that need a bearer token (checked by the JWT authorizer before the function runs). */
export type TokenAuth = Extract<RouteAuth, 'customer' | 'admin' | 'operator'>;

export function requiresToken(auth: RouteAuth): auth is TokenAuth {
  return auth === 'customer' || auth === 'admin' || auth === 'operator';
}
