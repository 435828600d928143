import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createContext, Script } from 'node:vm';

/**
 * The local CloudFront: runs a CloudFront Function file (cloudfront-js-2.0) in a `node:vm`
 * context, with a `cloudfront` module whose `kvs()` reads a local key-value store. The file
 * is compiled once; its one `import cf from 'cloudfront'` becomes a read of the shim (vm
 * scripts have no modules), and its top-level `handler` is what the gateway calls.
 */
export const SOLD_OUT_FUNCTION_FILE = resolve(import.meta.dirname, '../../functions/edge/sold-out.js');

/** What a viewer-request function receives (the fields the local gateway fills). */
export interface EdgeRequest {
  readonly method: string;
  readonly uri: string;
  readonly querystring: Record<string, { value: string }>;
  readonly headers: Record<string, { value: string }>;
  readonly cookies: Record<string, { value: string }>;
}

/** A response generated at the edge. */
export interface EdgeResponse {
  readonly statusCode: number;
  readonly statusDescription?: string;
  readonly headers?: Record<string, { value: string }>;
  readonly body?: string | { encoding: 'text' | 'base64'; data: string };
}

export type EdgeHandler = (event: { version: '1.0'; context: { eventType: 'viewer-request' }; viewer: { ip: string }; request: EdgeRequest }) => Promise<EdgeRequest | EdgeResponse>;

/** The CloudFront KeyValueStore as the function sees it, kept in memory. */
export class LocalKeyValueStore {
  private readonly values = new Map<string, string>();

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  put(key: string, value: string): void {
    this.values.set(key, value);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  get size(): number {
    return this.values.size;
  }
}

const IMPORT = /^\s*import\s+(\w+)\s+from\s+['"]cloudfront['"];?\s*$/m;

/** Compiles the function file once against the store; answers its handler. */
export function loadEdgeFunction(file: string, store: LocalKeyValueStore): EdgeHandler {
  const source = readFileSync(file, 'utf8');
  const imported = IMPORT.exec(source);
  const code = imported ? source.replace(IMPORT, `const ${imported[1]} = __cloudfront;`) : source;
  const kvs = {
    // As in CloudFront: a missing key throws; `format: 'json'` parses the value.
    async get(key: string, options?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown> {
      const value = store.get(key);
      if (value === undefined) throw new Error(`KeyValueStore: key not found: ${key}`);
      return options?.format === 'json' ? JSON.parse(value) : value;
    },
    async exists(key: string): Promise<boolean> {
      return store.get(key) !== undefined;
    },
    async meta(): Promise<{ keyCount: number }> {
      return { keyCount: store.size };
    },
  };
  const context = createContext({ __cloudfront: { kvs: () => kvs } });
  new Script(`${code}\n;globalThis.__handler = handler;`, { filename: file }).runInContext(context);
  const handler = (context as { __handler?: unknown }).__handler;
  if (typeof handler !== 'function') throw new Error(`${file} defines no handler function`);
  return handler as EdgeHandler;
}

export function isEdgeResponse(result: EdgeRequest | EdgeResponse): result is EdgeResponse {
  return typeof (result as EdgeResponse).statusCode === 'number';
}

/**
 * The paths of the cache behaviours the sold-out function is associated with in AWS
 * (`/v1/shops/*\/flash-sales/*`, entries included; lib/edge.ts), as one regular expression.
 */
export const EDGE_FUNCTION_PATHS = /^\/v1\/shops\/.*\/flash-sales\/./s;
