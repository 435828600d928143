import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { currentSession } from './session';

export type { paths, components, operations } from './schema';

/** An RFC 9457 problem document, as every error of the API is answered. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly path?: string; readonly message: string }[];
  /** Seconds to wait before retrying (429, 503, 409 request_in_progress). */
  readonly retryAfter?: number;
}

/** The bearer token of the signed-in user on every call; nothing for a guest. */
const withSession: Middleware = {
  onRequest({ request }) {
    const session = currentSession();
    if (session && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
};

/**
 * The API typed from `/v1/openapi.json` (openapi-fetch: paths, parameters and bodies are checked
 * at compile time; no hand-written request code). Same origin: locally the gateway, in AWS the
 * distribution's `/v1/*` behaviours.
 */
export const api = createClient<paths>({ baseUrl: '' });
api.use(withSession);

/** The problem document of a failed call (`error` from openapi-fetch plus the response), in one shape. */
export function problemOf(error: unknown, response: Response): Problem {
  const body = (typeof error === 'object' && error !== null ? error : {}) as Partial<Problem> & { type?: string };
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    status: response.status,
    code: body.code ?? `http_${response.status}`,
    ...(body.title ? { title: body.title } : {}),
    ...(body.detail ? { detail: body.detail } : {}),
    ...(body.errors ? { errors: body.errors } : {}),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfter } : {}),
  };
}

/** A sentence for a person: the problem's own detail when it has one. */
export function describeProblem(problem: Problem): string {
  if (problem.status === 0) return 'The shop could not be reached. Check your connection and try again.';
  const fields = problem.errors?.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return [problem.detail ?? problem.title ?? `The request failed (${problem.status}).`, fields].filter(Boolean).join(' ');
}

/** A new key for a call that moves money or stock: the same key on a retry replays the first answer. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
