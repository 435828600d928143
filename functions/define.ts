import type { RouteContract } from '#shared/http/contract';
import type { FunctionSpec } from './registry';
import type { HttpMethod, Route, Throttle } from './routes';

/**
 * What a context's declaration files (functions/<context>/<context>.functions.ts, .routes.ts,
 * .events.ts) build their entries with. Only types come from the merge modules (registry.ts,
 * routes.ts, events.ts), which import the context files: no import cycle at run time.
 */

/** A context's function specs, keyed by name; the literal types are kept (`FUNCTIONS.checkout.timeoutSeconds` is a number). */
export const defineFunctions = <const F extends Record<string, FunctionSpec>>(functions: F): F => functions;

/** A route of the public API; who may call it is always its contract's `auth`. */
export function route(method: HttpMethod, path: string, fn: FunctionSpec, contract: RouteContract, throttle?: Throttle): Route {
  return { method, path, function: fn, auth: contract.auth, contract, ...(throttle ? { throttle } : {}) };
}
