/**
 * Values made once per process (a cold start) and shared by every later call. Two
 * behaviours, two names: `lazy` for what is built synchronously and cannot fail in a way
 * worth retrying (an adapter over a client), `memoizeWithRetry` for what is built
 * asynchronously and may fail (keys read from Secrets Manager, a connection).
 */

/** `build`'s value, built on the first call and answered by every later one. */
export function lazy<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** A promise made once and shared; `forget` drops it (a shutdown, a test) and answers it, if any. */
export interface Memoized<T> {
  (): Promise<T>;
  forget(): Promise<T> | undefined;
}

/**
 * `build`'s promise, made on the first call and shared by every caller, in flight and
 * after; a rejection is not kept: the next call builds again (a failed read of a secret
 * or a failed connection is retried, never answered for the life of the process).
 */
export function memoizeWithRetry<T>(build: () => Promise<T>): Memoized<T> {
  let made: Promise<T> | undefined;
  const memoized = () => {
    if (made) return made;
    let attempt: Promise<T>;
    try {
      attempt = build();
    } catch (error) {
      return Promise.reject(error);
    }
    const current: Promise<T> = attempt.catch((error: unknown) => {
      if (made === current) made = undefined;
      throw error;
    });
    made = current;
    return current;
  };
  return Object.assign(memoized, {
    forget() {
      const current = made;
      made = undefined;
      return current;
    },
  });
}
