import type { RouteContract } from '#shared/http/contract';
import type { FunctionSpec, HttpMethod, Route, Throttle } from './definitions';

/**
 * What a context's declaration files (functions/<context>/<context>.functions.ts, .routes.ts,
 * .events.ts) build their entries with. Types come from definitions.ts, never from the merge modules (registry.ts, routes.ts,
 * events.ts), which import the context files: no import cycle, not even of types.
 */

/** A context's function specs, keyed by name; the literal types are kept (`FUNCTIONS.checkout.timeoutSeconds` is a number). */
export const defineFunctions = <const F extends Record<string, FunctionSpec>>(functions: F): F => functions;

/** A route of the public API; who may call it is always its contract's `auth`. */
export function route(method: HttpMethod, path: string, fn: FunctionSpec, contract: RouteContract, throttle?: Throttle, options: { readonly responseStreaming?: boolean } = {}): Route {
  return { method, path, function: fn, auth: contract.auth, contract, ...(throttle ? { throttle } : {}), ...(options.responseStreaming ? { responseStreaming: true } : {}) };
}
