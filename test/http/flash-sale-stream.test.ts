import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHOP, seedDemoShop } from '../../bin/local/demo-shop';
import { signStreamToken } from '#shared/flash-sales/stream-token';
import { stockDropProduct } from '../support/drop-product';
import { eventually } from '../support/eventually';
import { openEventStream, type OpenedStream, type StreamMessage } from '../support/event-stream';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * A ticket's server-sent events through the gateway (api.md, Flash sales): the entry answer's
 * streamUrl, the ticket's state at once and each change in order with increasing ids, heartbeats,
 * Last-Event-ID resuming without repeats, the end after a final status, and the stream token's
 * refusals as problem documents. Heartbeats come every 300 ms here (15 s by default).
 */
let platform: TestPlatform;
let admin: string;
const shop = DEMO_SHOP.shopId;

beforeAll(async () => {
  process.env.FLASH_SALE_STREAM_HEARTBEAT_MS = '300';
  platform = await startTestPlatform({ warehousePickDelayMs: 60_000, throttling: false });
  await seedDemoShop({ log: () => undefined });
  admin = await platform.token({ sub: 'staff', groups: ['admin'], shops: [shop] });
  await stockDropProduct(platform, admin, { title: 'Stream Cap', category: 'hats', skuPrefix: 'SSE-CAP', amount: 3_000, units: { a: 10, b: 10, c: 10 } });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.FLASH_SALE_STREAM_HEARTBEAT_MS;
});

const fromNow = (ms: number) => new Date(platform.clock.nowMs() + ms).toISOString();
const live = async (sku: string, units: number, holdSeconds = 5) =>
  (await platform.request('POST', `/v1/shops/${shop}/admin/flash-sales`, { token: admin, body: { sku, units, startsAt: fromNow(-1_000), endsAt: fromNow(600_000), perCustomerLimit: 1, holdSeconds } }))
    .body;
const enter = (saleId: string, token: string) => platform.request('POST', `/v1/shops/${shop}/flash-sales/${saleId}/entries`, { token });
const ticketOf = (saleId: string, token: string, ticket: number) => platform.request('GET', `/v1/shops/${shop}/flash-sales/${saleId}/entries/${ticket}`, { token });
const open = (streamUrl: string, lastEventId?: string) => openEventStream(new URL(streamUrl, platform.url).href, lastEventId ? { lastEventId } : {});

/** The next `status` event, skipping comments; fails on anything else. */
async function nextStatus(stream: OpenedStream, timeoutMs = 10_000): Promise<{ id: number; data: Record<string, unknown> }> {
  for (;;) {
    const message = await stream.next(timeoutMs);
    if (!message) throw new Error('the stream ended before a status event');
    if (message.kind !== 'event') continue;
    expect(message.event).toBe('status');
    return { id: Number(message.id), data: JSON.parse(message.data!) as Record<string, unknown> };
  }
}

/** Everything the stream sends within `ms` (it stays open). */
async function during(stream: OpenedStream, ms: number): Promise<StreamMessage[]> {
  const seen: StreamMessage[] = [];
  const until = Date.now() + ms;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return seen;
    try {
      const message = await stream.next(left);
      if (!message) return seen;
      seen.push(message);
    } catch {
      return seen;
    }
  }
}

async function ended(stream: OpenedStream): Promise<void> {
  for (;;) {
    const message = await stream.next(5_000);
    if (!message) return;
    expect(message.kind, JSON.stringify(message)).not.toBe('event');
  }
}

describe('flash-sale ticket streams', () => {
  it('a queued ticket gets its stream; events come in order with increasing ids, heartbeats between, and the stream ends after the final status', async () => {
    const sale = await live('SSE-CAP-A', 1);
    const ann = await platform.token({ sub: `ann-${randomUUID().slice(0, 6)}` });
    const bob = await platform.token({ sub: `bob-${randomUUID().slice(0, 6)}` });
    const first = await enter(sale.saleId, ann);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      status: 'queued',
      ticket: 1,
      pollAfterMs: 1_000,
      streamUrl: expect.stringMatching(/^\/v1\/shops\/demo\/flash-sales\/.+\/entries\/1\/events\?token=/),
      ticketEndsAt: expect.any(String),
    });
    expect(Date.parse(first.body.ticketEndsAt)).toBe(Date.parse(sale.endsAt) + 5_000);
    await eventually(async () => expect((await ticketOf(sale.saleId, ann, 1)).body.status).toBe('won'));

    // Bob waits for a unit Ann's hold may give back: past the units, he would poll every 8 s.
    const second = await enter(sale.saleId, bob);
    expect(second.body).toMatchObject({ status: 'queued', ticket: 2, pollAfterMs: 8_000 });
    await eventually(async () => expect((await platform.request('GET', `/v1/shops/${shop}/admin/flash-sales/${sale.saleId}/report`, { token: admin })).body.waiting).toBe(1));
    expect((await ticketOf(sale.saleId, bob, 2)).body).toMatchObject({ status: 'queued', pollAfterMs: 8_000 });

    const stream = await open(second.body.streamUrl);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toMatch(/no-store/);
    const queued = await nextStatus(stream);
    expect(queued.data).toEqual((await ticketOf(sale.saleId, bob, 2)).body);
    // Nothing changes: heartbeats (comments) only.
    const quiet = await during(stream, 1_000);
    expect(quiet.filter((m) => m.kind === 'event')).toEqual([]);
    expect(quiet.filter((m) => m.kind === 'comment').length).toBeGreaterThanOrEqual(2);
    stream.close();

    // Reconnecting with the last id resumes: the state it already has is not sent again.
    const resumed = await open(second.body.streamUrl, String(queued.id));
    expect(resumed.status).toBe(200);
    expect((await during(resumed, 700)).filter((m) => m.kind === 'event')).toEqual([]);

    // Ann's hold expires unused: Bob wins its unit, and his open stream says so at once, then ends.
    await platform.idle();
    platform.clock.advance(5_500);
    await platform.runSchedule('SweepReservations');
    const won = await nextStatus(resumed, 15_000);
    expect(won.id).toBeGreaterThan(queued.id);
    expect(won.data).toMatchObject({ ticket: 2, status: 'won', holdId: expect.any(String), holdExpiresAt: expect.any(String) });
    expect(won.data).toEqual((await ticketOf(sale.saleId, bob, 2)).body);
    await ended(resumed);

    // A reconnection after the final status is told to stop (204); a fresh one gets the final status once.
    const after = await open(second.body.streamUrl, String(won.id));
    expect(after.status).toBe(204);
    const fresh = await open(second.body.streamUrl);
    expect((await nextStatus(fresh)).data).toMatchObject({ status: 'won' });
    await ended(fresh);
    // Ann's stream shows her expired hold.
    const annStream = await open(first.body.streamUrl);
    expect((await nextStatus(annStream)).data).toMatchObject({ ticket: 1, status: 'expired' });
    await ended(annStream);
  }, 60_000);

  it('refuses a missing, forged or expired token (401) and a token for another ticket (403), as problem documents', async () => {
    const sale = await live('SSE-CAP-B', 5, 60);
    const cy = `cy-${randomUUID().slice(0, 6)}`;
    const dee = `dee-${randomUUID().slice(0, 6)}`;
    const cyEntry = (await enter(sale.saleId, await platform.token({ sub: cy }))).body;
    const deeEntry = (await enter(sale.saleId, await platform.token({ sub: dee }))).body;
    const path = (ticket: number) => `/v1/shops/${shop}/flash-sales/${sale.saleId}/entries/${ticket}/events`;
    const token = (streamUrl: string) => new URL(streamUrl, platform.url).searchParams.get('token')!;
    const problem = async (url: string, status: number, code: string) => {
      const res = await open(url);
      expect(res.status, url).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(await res.text())).toMatchObject({ status, code });
    };
    await problem(path(cyEntry.ticket), 401, 'unauthorized');
    await problem(`${path(cyEntry.ticket)}?token=garbage`, 401, 'unauthorized');
    const genuine = token(cyEntry.streamUrl);
    const [payload, mac] = genuine.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), c: dee })).toString('base64url');
    await problem(`${path(cyEntry.ticket)}?token=${forged}.${mac}`, 401, 'unauthorized');
    const secret = platform.env.LOCAL_STREAM_TOKEN_SECRET ?? 'local-stream-token-secret';
    const expired = signStreamToken({ shopId: shop, saleId: sale.saleId, ticket: cyEntry.ticket, customerId: cy, expiresAt: Math.floor(platform.clock.nowMs() / 1000) - 1 }, secret);
    await problem(`${path(cyEntry.ticket)}?token=${expired}`, 401, 'unauthorized');
    // Cy's token on Dee's ticket: refused, and nothing of Dee's ticket is shown.
    await problem(`${path(deeEntry.ticket)}?token=${genuine}`, 403, 'forbidden');
    // Even a genuine token naming Dee's ticket for Cy (the secret leaked) shows no other customer's ticket.
    const mismatched = signStreamToken({ shopId: shop, saleId: sale.saleId, ticket: deeEntry.ticket, customerId: cy, expiresAt: Math.floor(platform.clock.nowMs() / 1000) + 600 }, secret);
    await problem(`${path(deeEntry.ticket)}?token=${mismatched}`, 404, 'not_found');
    // Cy's own stream works.
    const own = await open(cyEntry.streamUrl);
    expect(own.status).toBe(200);
    expect((await nextStatus(own)).data).toMatchObject({ ticket: cyEntry.ticket });
    own.close();
  });
});
