import type { TicketStatus } from './flash-sale';

/**
 * A ticket's server-sent events as a use case: the ticket's state at once, then each change,
 * a heartbeat while nothing changes, and an end after a final status or after a bounded time
 * (the client reconnects with `Last-Event-ID`). The HTTP glue (shared/http/streaming.ts) writes
 * the events; the adapters tell it when the ticket may have changed (TicketUpdates).
 *
 * Event ids are derived from the ticket's state, not counted, so that any process answers a
 * reconnection without memory: they increase as the ticket moves forward (queued with its
 * position falling, then won, then lost or expired), and an event is sent only when its id is
 * above the last one the client saw. A reconnection thus never repeats what the client has.
 */
export interface TicketView {
  readonly ticket: number;
  readonly status: TicketStatus;
  readonly quantity: number;
  readonly position?: number;
  readonly holdId?: string;
  readonly holdExpiresAt?: string;
  readonly pollAfterMs?: number;
}

export type TicketStreamEvent = { readonly kind: 'status'; readonly id: number; readonly data: TicketView } | { readonly kind: 'heartbeat' };

/**
 * Where a ticket's changes are announced: the decision path publishes (one call where a ticket's
 * visible state changes), the streams listen. Best effort: a lost announcement only delays an
 * event until the stream's periodic re-read.
 */
export interface TicketUpdates {
  publish(sale: { readonly shopId: string; readonly saleId: string }, ticket: number): Promise<void>;
  /**
   * Calls `changed` whenever the ticket may have changed. `ready` settles once announcements
   * reach this subscription (what changed before that is only known by reading again).
   */
  subscribe(sale: { readonly shopId: string; readonly saleId: string }, ticket: number, changed: () => void): Subscription;
}

export interface Subscription {
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

const PHASE = 1_000_000_000;

/** The id of the event for a ticket's state: increasing as the ticket moves toward its end. */
export function eventIdOf(view: Pick<TicketView, 'status' | 'position'>): number {
  if (view.status === 'queued') return PHASE + (PHASE - 1 - Math.min(Math.max(0, view.position ?? 0), PHASE - 1));
  if (view.status === 'won') return 2 * PHASE;
  return 3 * PHASE;
}

export const isFinal = (status: TicketStatus) => status !== 'queued';

/** Parses a `Last-Event-ID` header: an id this stream sent, or nothing. */
export function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,12}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Whether a reconnection has nothing left to learn: it already saw the ticket's final status. */
export function alreadyEnded(view: TicketView, lastEventId: number | undefined): boolean {
  return isFinal(view.status) && lastEventId !== undefined && eventIdOf(view) <= lastEventId;
}

export interface TicketStreamOptions {
  /** The ticket's state now (the caller read it once already: `initial`). */
  readonly read: () => Promise<TicketView>;
  readonly initial: TicketView;
  /** Announcements of the ticket's changes; once it is ready, the ticket is read again (a change before it was not announced here). */
  readonly subscribe: (changed: () => void) => Subscription;
  readonly lastEventId?: number | undefined;
  /** A comment at least this often. @default 15 s */
  readonly heartbeatMs?: number;
  /** The ticket is read again at least this often, announced or not. @default 10 s */
  readonly rereadMs?: number;
  /** The stream ends after this long (the client reconnects). @default 120 s */
  readonly maxMs?: number;
  /** Ends the stream early (the client went away). */
  readonly signal?: AbortSignal;
}

export async function* ticketStream(options: TicketStreamOptions): AsyncGenerator<TicketStreamEvent, void, undefined> {
  const { read, signal } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const rereadMs = options.rereadMs ?? 10_000;
  const maxMs = options.maxMs ?? 120_000;
  let announced = false;
  let wake: (() => void) | undefined;
  const rouse = () => {
    wake?.();
  };
  const subscription = options.subscribe(() => {
    announced = true;
    rouse();
  });
  // The state may have changed between the caller's read and the subscription: read once more when it is live.
  subscription.ready.then(
    () => {
      announced = true;
      rouse();
    },
    () => undefined,
  );
  signal?.addEventListener('abort', rouse);
  try {
    const started = Date.now();
    let lastId = options.lastEventId ?? 0;
    let lastSent = started;
    let lastRead = started;
    let view = options.initial;
    for (;;) {
      const id = eventIdOf(view);
      if (id > lastId) {
        yield { kind: 'status', id, data: view };
        lastId = id;
        lastSent = Date.now();
      }
      if (isFinal(view.status) && id <= lastId) return;
      // Wait for an announcement, the next heartbeat, the next re-read or the end, whichever is first.
      for (;;) {
        const now = Date.now();
        if (signal?.aborted || now - started >= maxMs) return;
        if (announced || now - lastRead >= rereadMs) break;
        if (now - lastSent >= heartbeatMs) {
          yield { kind: 'heartbeat' };
          lastSent = Date.now();
          continue;
        }
        const until = Math.min(lastSent + heartbeatMs, lastRead + rereadMs, started + maxMs) - now;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, until));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      announced = false;
      lastRead = Date.now();
      view = await read();
    }
  } finally {
    signal?.removeEventListener('abort', rouse);
    subscription.unsubscribe();
  }
}
