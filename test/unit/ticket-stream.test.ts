import { describe, expect, it } from 'vitest';
import { pollAfterMs, POLL_FAR_MS, POLL_NEAR_MS, POLL_PAST_UNITS_MS } from '#shared/flash-sales/poll-after';
import { signStreamToken, verifyStreamToken } from '#shared/flash-sales/stream-token';
import { alreadyEnded, eventIdOf, parseLastEventId, ticketStream, type TicketStreamEvent, type TicketView } from '#shared/flash-sales/ticket-stream';
import { ForbiddenError, UnauthorizedError } from '#shared/errors';

const SECRET = 'unit-secret';
const NOW = new Date('2026-12-06T00:00:00Z');
const claims = { shopId: 'demo', saleId: 'sale_1', ticket: 7, customerId: 'ann', expiresAt: NOW.getTime() / 1000 + 60 };
const ticket = { shopId: 'demo', saleId: 'sale_1', ticket: 7 };

describe('pollAfterMs', () => {
  it('is 1 s near a decision, grows with the distance to 5 s, and is 8 s past the sale’s units', () => {
    expect(pollAfterMs({ ticket: 1, position: 0, units: 100 })).toBe(POLL_NEAR_MS);
    expect(pollAfterMs({ ticket: 40, position: 39, units: 100 })).toBe(1_000);
    expect(pollAfterMs({ ticket: 600, position: 550, units: 10_000 })).toBe(2_000);
    expect(pollAfterMs({ ticket: 9_000, position: 8_999, units: 10_000 })).toBe(POLL_FAR_MS);
    expect(pollAfterMs({ ticket: 101, position: 0, units: 100 })).toBe(POLL_PAST_UNITS_MS);
  });

  it('never shrinks as a ticket is farther back (within the units)', () => {
    let last = 0;
    for (let position = 0; position < 5_000; position += 7) {
      const ms = pollAfterMs({ ticket: position + 1, position, units: 10_000 });
      expect(ms).toBeGreaterThanOrEqual(last);
      expect(ms).toBeGreaterThanOrEqual(POLL_NEAR_MS);
      expect(ms).toBeLessThanOrEqual(POLL_FAR_MS);
      last = ms;
    }
  });
});

describe('stream tokens', () => {
  it('a genuine token for the ticket answers its claims', () => {
    expect(verifyStreamToken(signStreamToken(claims, SECRET), ticket, SECRET, NOW)).toEqual(claims);
  });

  it('a missing, malformed, forged, re-signed or expired token is unauthorized', () => {
    const token = signStreamToken(claims, SECRET);
    const [payload, mac] = token.split('.');
    const changed = Buffer.from(JSON.stringify({ s: 'demo', a: 'sale_1', t: 7, c: 'bob', e: claims.expiresAt })).toString('base64url');
    for (const bad of [undefined, '', 'garbage', `${payload}`, `${payload}.${mac}.x`, `${changed}.${mac}`, signStreamToken(claims, 'another-secret'), 'x'.repeat(5_000)]) {
      expect(() => verifyStreamToken(bad, ticket, SECRET, NOW), String(bad)).toThrow(UnauthorizedError);
    }
    expect(() => verifyStreamToken(token, ticket, SECRET, new Date((claims.expiresAt + 1) * 1000))).toThrow(/expired/);
  });

  it('a genuine token of another ticket, sale or shop is forbidden', () => {
    const token = signStreamToken(claims, SECRET);
    for (const other of [
      { ...ticket, ticket: 8 },
      { ...ticket, saleId: 'sale_2' },
      { ...ticket, shopId: 'other' },
    ]) {
      expect(() => verifyStreamToken(token, other, SECRET, NOW)).toThrow(ForbiddenError);
    }
  });
});

describe('ticket event ids', () => {
  it('increase as the ticket moves forward: queued with a falling position, won, then lost or expired', () => {
    const ids = [
      eventIdOf({ status: 'queued', position: 900 }),
      eventIdOf({ status: 'queued', position: 10 }),
      eventIdOf({ status: 'queued', position: 0 }),
      eventIdOf({ status: 'won' }),
      eventIdOf({ status: 'expired' }),
    ];
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventIdOf({ status: 'lost' })).toBe(eventIdOf({ status: 'expired' }));
  });

  it('parses Last-Event-ID and knows when a reconnection has nothing left to learn', () => {
    expect(parseLastEventId(' 2000000000 ')).toBe(2_000_000_000);
    for (const bad of [undefined, '', 'abc', '-1', '1e9', '9'.repeat(20)]) expect(parseLastEventId(bad)).toBeUndefined();
    const won: TicketView = { ticket: 1, status: 'won', quantity: 1 };
    expect(alreadyEnded(won, eventIdOf(won))).toBe(true);
    expect(alreadyEnded(won, eventIdOf({ status: 'queued', position: 0 }))).toBe(false);
    expect(alreadyEnded(won, undefined)).toBe(false);
    expect(alreadyEnded({ ticket: 1, status: 'queued', quantity: 1, position: 0 }, 3_000_000_000)).toBe(false);
  });
});

describe('ticketStream', () => {
  const queued = (position: number): TicketView => ({ ticket: 7, status: 'queued', quantity: 1, position });

  /** A ticket whose state the test sets, with announcements it makes. */
  function world(initial: TicketView) {
    let state = initial;
    let listener: (() => void) | undefined;
    let reads = 0;
    return {
      set(next: TicketView, announce = true) {
        state = next;
        if (announce) listener?.();
      },
      get reads() {
        return reads;
      },
      get subscribed() {
        return listener !== undefined;
      },
      options: {
        initial,
        read: async () => {
          reads += 1;
          return state;
        },
        subscribe: (changed: () => void) => {
          listener = changed;
          return {
            ready: Promise.resolve(),
            unsubscribe: () => {
              listener = undefined;
            },
          };
        },
      },
    };
  }

  async function take(events: AsyncGenerator<TicketStreamEvent>, n: number): Promise<TicketStreamEvent[]> {
    const out: TicketStreamEvent[] = [];
    for (let i = 0; i < n; i++) {
      const next = await events.next();
      if (next.done) break;
      out.push(next.value);
    }
    return out;
  }

  it('sends the state at once, each announced change, and ends after the final status (unsubscribed)', async () => {
    const w = world(queued(5));
    const events = ticketStream({ ...w.options, heartbeatMs: 10_000, rereadMs: 10_000, maxMs: 10_000 });
    expect(await take(events, 1)).toEqual([{ kind: 'status', id: eventIdOf(queued(5)), data: queued(5) }]);
    setTimeout(() => w.set(queued(2)), 5);
    expect(await take(events, 1)).toEqual([{ kind: 'status', id: eventIdOf(queued(2)), data: queued(2) }]);
    const won: TicketView = { ticket: 7, status: 'won', quantity: 1, holdId: 'h', holdExpiresAt: '2026-12-06T00:05:00.000Z' };
    setTimeout(() => w.set(won), 5);
    expect(await take(events, 1)).toEqual([{ kind: 'status', id: eventIdOf(won), data: won }]);
    expect((await events.next()).done).toBe(true);
    expect(w.subscribed).toBe(false);
  });

  it('sends heartbeats while nothing changes, re-reads without announcements, and ends after its bound', async () => {
    const w = world(queued(5));
    const started = Date.now();
    const events = ticketStream({ ...w.options, heartbeatMs: 20, rereadMs: 50, maxMs: 400 });
    await take(events, 1);
    // A change nobody announced (a lost publish) still arrives, by the re-read.
    w.set(queued(1), false);
    const seen: TicketStreamEvent[] = [];
    for await (const event of events) seen.push(event);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(seen.filter((e) => e.kind === 'heartbeat').length).toBeGreaterThanOrEqual(5);
    expect(seen.filter((e) => e.kind === 'status')).toEqual([{ kind: 'status', id: eventIdOf(queued(1)), data: queued(1) }]);
    expect(w.reads).toBeGreaterThanOrEqual(3);
    expect(w.subscribed).toBe(false);
  });

  it('resumes after Last-Event-ID without repeating the state the client has', async () => {
    const w = world(queued(3));
    const events = ticketStream({ ...w.options, lastEventId: eventIdOf(queued(3)), heartbeatMs: 20, rereadMs: 1_000, maxMs: 1_000 });
    expect(await take(events, 1)).toEqual([{ kind: 'heartbeat' }]);
    w.set(queued(1));
    const next = await take(events, 2);
    expect(next.filter((e) => e.kind === 'status')).toEqual([{ kind: 'status', id: eventIdOf(queued(1)), data: queued(1) }]);
    await events.return();
  });

  it('reads again once its subscription is live: a change between the first read and the subscription is not lost', async () => {
    const w = world(queued(5));
    w.set(queued(2), false);
    const events = ticketStream({ ...w.options, heartbeatMs: 10_000, rereadMs: 10_000, maxMs: 10_000 });
    expect(await take(events, 2)).toEqual([
      { kind: 'status', id: eventIdOf(queued(5)), data: queued(5) },
      { kind: 'status', id: eventIdOf(queued(2)), data: queued(2) },
    ]);
    await events.return();
  });

  it('ends when its signal aborts (the client went away)', async () => {
    const w = world(queued(3));
    const gone = new AbortController();
    const events = ticketStream({ ...w.options, heartbeatMs: 10_000, rereadMs: 10_000, maxMs: 10_000, signal: gone.signal });
    await take(events, 1);
    setTimeout(() => gone.abort(), 10);
    expect((await events.next()).done).toBe(true);
    expect(w.subscribed).toBe(false);
  });
});
