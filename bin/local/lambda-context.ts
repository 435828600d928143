/**
 * How the local runtime runs a Lambda function: it imports the function's handler module
 * (the very file the CDK stack bundles) and calls its `handler(event, context)` with a
 * Lambda-like `Context`, applying the function's timeout as Lambda would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '#functions/registry';
import { LOCAL_STREAMING, type ResponseSink, type StreamingHandle } from '#shared/http/streaming-contract';

/**
 * What the local runtime uses to run a function: loads spec.entry (dynamic import, cached), calls
 * its `handler(event, context)`. A function with `maxConcurrency` runs at most that many
 * invocations at once, as Lambda's reserved concurrency does, counted across every caller.
 */
export interface LocalInvoker {
  /**
   * An asynchronous or poller invocation (bus targets, schedules, queue and stream mappings):
   * waits for a free slot, as Lambda keeps a throttled event and tries it again later.
   */
  (fn: FunctionSpec, event: unknown): Promise<unknown>;
  /**
   * A synchronous invocation (API Gateway): runs at once, or answers `undefined` at once when
   * the function already has `maxConcurrency` invocations in flight (Lambda's throttle).
   */
  readonly tryInvoke?: (fn: FunctionSpec, event: unknown) => Promise<unknown> | undefined;
  /** Whether every slot of the function's reserved concurrency is in use now. */
  readonly atCapacity?: (fn: FunctionSpec) => boolean;
  /** Loads the function's handler now (its imports and init), as a provisioned environment is initialized before traffic. */
  readonly warm?: (fn: FunctionSpec) => Promise<void>;
  /** Whether the function's handler is loaded (its first invocation pays no import). */
  readonly isWarm?: (fn: FunctionSpec) => boolean;
  /**
   * A synchronous invocation of a streaming handler (a function URL in RESPONSE_STREAM mode): the
   * handler writes to `sink` as it goes. Undefined at once when the function is at its reserved
   * concurrency. Past its timeout the invocation ends (rejects with a TimeoutError) and the sink's
   * signal is aborted, as Lambda cuts the stream.
   */
  readonly tryStream?: (fn: FunctionSpec, event: unknown, sink: ResponseSink) => Promise<void> | undefined;
}

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULT_MEMORY_MB = 512;

/** Rejection of an invocation that ran past the function's timeout (Lambda's "Task timed out"). */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly functionId: string,
    readonly timeoutSeconds: number,
  ) {
    super(`${functionId}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  }
}

function logStreamName(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** A Lambda `Context` for local invocations: functionName from spec.id, awsRequestId random uuid, getRemainingTimeInMillis() counting down from timeoutSeconds (default 10), memoryLimitInMB, invokedFunctionArn `arn:aws:lambda:us-east-1:000000000000:function:<id>`, etc. */
export function localLambdaContext(fn: FunctionSpec): Context {
  const timeoutMs = (fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const deadline = Date.now() + timeoutMs;
  const deprecated = (name: string) => () => {
    throw new Error(`context.${name}() is not supported by the local runtime: return a value or a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.id,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn.id}`,
    memoryLimitInMB: String(fn.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.id}`,
    logStreamName: logStreamName(new Date()),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: deprecated('done'),
    fail: deprecated('fail'),
    succeed: deprecated('succeed'),
  };
}

type HandlerFn = (event: unknown, context: Context, callback?: (error?: unknown, result?: unknown) => void) => unknown;

/**
 * Reserved concurrency per function (by spec id): at most `maxConcurrency` slots in use; a
 * function without it is limited only by the account, i.e. not at all locally.
 */
export class ConcurrencyLimits {
  private readonly inUse = new Map<string, number>();
  private readonly waiting = new Map<string, Array<(release: () => void) => void>>();

  inFlight(fn: FunctionSpec): number {
    return this.inUse.get(fn.id) ?? 0;
  }

  atCapacity(fn: FunctionSpec): boolean {
    return fn.maxConcurrency !== undefined && this.inFlight(fn) >= fn.maxConcurrency;
  }

  /** A slot now, or undefined when all are in use. The returned function frees it (once). */
  tryAcquire(fn: FunctionSpec): (() => void) | undefined {
    if (this.atCapacity(fn)) return undefined;
    this.inUse.set(fn.id, this.inFlight(fn) + 1);
    return this.slot(fn);
  }

  /** A slot when one is free, first come first served. */
  acquire(fn: FunctionSpec): Promise<() => void> {
    const now = this.tryAcquire(fn);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const queue = this.waiting.get(fn.id) ?? [];
      queue.push(resolve);
      this.waiting.set(fn.id, queue);
    });
  }

  private slot(fn: FunctionSpec): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.waiting.get(fn.id);
      const next = queue?.shift();
      if (queue?.length === 0) this.waiting.delete(fn.id);
      // A freed slot passes straight to the oldest waiter (the count stays), so while events
      // wait the function stays at capacity and a synchronous caller cannot overtake them.
      if (next) next(this.slot(fn));
      else this.inUse.set(fn.id, this.inFlight(fn) - 1);
    };
  }
}

/** The default invoker: resolves spec.entry against a project root (default process.cwd()), imports it, calls handler with localLambdaContext. Applies the function's timeout (rejects with a TimeoutError after timeoutSeconds, as Lambda would) and its reserved concurrency (`limits`, one per invoker unless shared). */
export function createInvoker(opts: { root?: string; limits?: ConcurrencyLimits } = {}): LocalInvoker {
  const root = opts.root ?? process.cwd();
  const limits = opts.limits ?? new ConcurrencyLimits();
  const modules = new Map<string, Promise<HandlerFn>>();

  const load = (entry: string): Promise<HandlerFn> => {
    const file = resolve(root, entry);
    let loaded = modules.get(file);
    if (!loaded) {
      loaded = import(pathToFileURL(file).href).then((mod: Record<string, unknown>) => {
        const handler = mod['handler'] ?? (mod['default'] as Record<string, unknown> | undefined)?.['handler'];
        if (typeof handler !== 'function') throw new Error(`${entry} does not export a function named "handler"`);
        return handler as HandlerFn;
      });
      // A failed import (syntax error while editing) is retried on the next invocation.
      loaded.catch(() => modules.delete(file));
      modules.set(file, loaded);
    }
    return loaded;
  };

  /** One invocation in a slot already taken; the slot is freed when it settles (a timeout too, as Lambda ends the sandbox's invocation). */
  const run = async (fn: FunctionSpec, event: unknown, release: () => void): Promise<unknown> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const handler = await load(fn.entry);
      const timeoutSeconds = fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      const context = localLambdaContext(fn);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(fn.id, timeoutSeconds)), timeoutSeconds * 1000);
        timer.unref();
      });
      const result = new Promise<unknown>((resolvePromise, rejectPromise) => {
        // Callback-style handlers (three parameters) settle through the callback, like the Node runtime did.
        const usesCallback = handler.length >= 3;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejects with what the handler passed, as the Node runtime does.
        const callback = (error?: unknown, value?: unknown) => (error ? rejectPromise(error) : resolvePromise(value));
        try {
          const returned = usesCallback ? handler(event, context, callback) : handler(event, context);
          if (!usesCallback || (returned !== undefined && typeof (returned as Promise<unknown>)?.then === 'function')) {
            Promise.resolve(returned).then(resolvePromise, rejectPromise);
          }
        } catch (error) {
          rejectPromise(error);
        }
      });
      // The handler keeps running after a timeout (a process cannot be frozen like a sandbox),
      // but its result is ignored, as Lambda would.
      return await Promise.race([result, timeout]);
    } finally {
      clearTimeout(timer);
      release();
    }
  };

  /** One streaming invocation in a slot already taken: the handler's local streaming entry, with the sink. */
  const runStream = async (fn: FunctionSpec, event: unknown, sink: ResponseSink, release: () => void): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const cut = new AbortController();
    const aborted = AbortSignal.any([sink.signal, cut.signal]);
    try {
      const handler = (await load(fn.entry)) as HandlerFn & { [LOCAL_STREAMING]?: StreamingHandle };
      const stream = handler[LOCAL_STREAMING];
      if (typeof stream !== 'function') throw new Error(`${fn.entry} does not stream (make its handler with streamingHandler)`);
      const timeoutSeconds = fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          cut.abort();
          reject(new TimeoutError(fn.id, timeoutSeconds));
        }, timeoutSeconds * 1000);
        timer.unref();
      });
      await Promise.race([
        stream(event as never, { open: (status, headers) => sink.open(status, headers), write: (chunk) => sink.write(chunk), end: () => sink.end(), signal: aborted }, localLambdaContext(fn)),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
      release();
    }
  };

  const invoke = async (fn: FunctionSpec, event: unknown): Promise<unknown> => run(fn, event, await limits.acquire(fn));
  return Object.assign(invoke, {
    tryInvoke(fn: FunctionSpec, event: unknown): Promise<unknown> | undefined {
      const release = limits.tryAcquire(fn);
      return release ? run(fn, event, release) : undefined;
    },
    tryStream(fn: FunctionSpec, event: unknown, sink: ResponseSink): Promise<void> | undefined {
      const release = limits.tryAcquire(fn);
      return release ? runStream(fn, event, sink, release) : undefined;
    },
    atCapacity: (fn: FunctionSpec) => limits.atCapacity(fn),
    warm: async (fn: FunctionSpec) => {
      await load(fn.entry);
    },
    isWarm: (fn: FunctionSpec) => modules.has(resolve(root, fn.entry)),
  });
}

/** How Lambda reads a function's answer to a batch (SQS, streams) with ReportBatchItemFailures. */
export type BatchOutcome = { readonly kind: 'success' } | { readonly kind: 'partial'; readonly failed: ReadonlySet<string> } | { readonly kind: 'failure'; readonly reason: string };

/**
 * Lambda's rules for a batch response: no response, an empty or null `batchItemFailures` is a
 * complete success; listed `itemIdentifier`s failed (the rest succeeded); an identifier that is
 * null, empty, not a string or not in the batch, or a `batchItemFailures` that is not a list,
 * makes the whole batch a failure.
 */
export function parseBatchResponse(result: unknown, identifiers: ReadonlySet<string>): BatchOutcome {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return { kind: 'success' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const failed = new Set<string>();
  for (const item of failures) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !identifiers.has(id)) {
      return { kind: 'failure', reason: `invalid itemIdentifier ${JSON.stringify(id)} in batchItemFailures` };
    }
    failed.add(id);
  }
  return { kind: 'partial', failed };
}
