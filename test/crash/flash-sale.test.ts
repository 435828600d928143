import { afterAll, describe, expect, it } from 'vitest';
import { crashPlatform, sleep, within, type Answer, type CrashPlatform } from './harness';
import { ADDRESS, adminToken, mustRetry, productWithStock, SHOP, stockOf, untilDefinite } from './shop';

/**
 * A flash sale with the real platform killed outright during the entries, or by a crash
 * point while tickets are being decided (a win in Redis, its hold not yet in DynamoDB), then
 * started again on the same data (Redis outlives the kill, as ElastiCache outlives a Lambda).
 * The buyers whose entry died enter again, every ticket holder polls, winners check out with
 * their hold (one in four of the winners decided at their first poll walks away: those holds
 * expire and their units go to the tickets waiting in line, whose winners all check out; a
 * ticket numbered within the units may be one of them, as the worker's message groups decide
 * out of order).
 * Then: every ticket is decided within its bound, every winner who checks out gets an order,
 * units sold plus units returned at the close equal the sale's units, and the audit is clean.
 */
const UNITS = 20;
const BUYERS = 80;
/** Longer than a restart takes, so a winner decided before the kill can still check out after it. */
const HOLD_SECONDS = 30;
/** From the restart: a queued ticket is re-driven after 5 s; a waiting one is decided when a walked-away winner's hold ends. */
const DECISION_BOUND_MS = 60_000;
/** The sale ends this long after it is created (after the last hold), then the minute job (every second here) closes it. */
const SALE_SECONDS = 75;
const ENV = {
  LOCAL_SCHEDULE_TIME_SCALE: String(1 / 60),
  FLASH_SALE_REDRIVE_AFTER_SECONDS: '5',
  FLASH_SALE_ENTRIES_PER_SECOND: '100000',
};

interface Buyer {
  readonly index: number;
  readonly customerId: string;
  readonly token: string;
  entries: Answer[];
  ticket?: number;
  final?: { status: string; holdId?: string; holdExpiresAt?: string };
  /** The last answer to a poll of its ticket (HTTP status and code), when it was not a 200. */
  lastPollProblem?: string;
  decidedAt?: number;
  checkout?: Answer;
  /** The hold had run out before the checkout got a definite answer (it ran out while the platform was down or too busy to answer). */
  holdRanOutFirst?: boolean;
  /** Every checkout answer, for the failure message. */
  checkoutAnswers?: string;
  /** The first poll after the restart already said `won` (not a ticket woken from the waiting line). */
  wonAtFirstPoll?: boolean;
}

const platforms: CrashPlatform[] = [];
afterAll(async () => {
  await Promise.all(platforms.map((p) => p.close()));
});

async function sale(name: string, kill: { crashPoint: string } | { afterEntries: number }, { expectedEntries }: { expectedEntries?: number } = {}) {
  const began = Date.now();
  const seconds: Record<string, number> = {};
  const mark = (what: string) => (seconds[what] = Math.round((Date.now() - began) / 100) / 10);
  const platform = await crashPlatform({ name: `flash-${name}`, env: ENV });
  platforms.push(platform);
  await platform.start('crashPoint' in kill ? { crashPoint: kill.crashPoint } : {});
  const admin = await adminToken(platform);
  const sku = `FLASH-${name.toUpperCase()}`;
  await productWithStock(platform, admin, sku, UNITS);
  const created = await platform.request('POST', `/v1/shops/${SHOP}/admin/flash-sales`, {
    token: admin,
    body: {
      sku,
      units: UNITS,
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: new Date(Date.now() + SALE_SECONDS * 1000).toISOString(),
      perCustomerLimit: 1,
      holdSeconds: HOLD_SECONDS,
      ...(expectedEntries ? { expectedEntries } : {}),
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const saleId = created.body.saleId as string;
  const endsAt = Date.parse(created.body.endsAt as string);
  mark('saleCreated');

  const buyers: Buyer[] = await Promise.all(
    Array.from({ length: BUYERS }, async (_, index) => {
      const customerId = `${name}-fan-${index}`;
      return { index, customerId, token: await platform.token({ sub: customerId, email: `${customerId}@example.com` }), entries: [] };
    }),
  );
  const enter = (buyer: Buyer) => platform.request('POST', `/v1/shops/${SHOP}/flash-sales/${saleId}/entries`, { token: buyer.token, body: { quantity: 1 } });
  const entered = (buyer: Buyer) => {
    const last = buyer.entries.at(-1);
    if (last && (last.status === 202 || last.status === 200) && typeof last.body?.ticket === 'number') buyer.ticket = last.body.ticket;
  };

  // Entries, twenty at a time (faster than the worker decides), until the platform dies (killed after `afterEntries` answers, or by its crash point).
  let answered = 0;
  let killing: Promise<void> | undefined;
  const dead = () => !platform.running || killing !== undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = next++; i < BUYERS && !dead(); i = next++) {
        const buyer = buyers[i]!;
        buyer.entries.push(...(await untilDefinite(() => enter(buyer), Date.now() + 30_000, dead)));
        entered(buyer);
        if (!mustRetry(buyer.entries.at(-1)!)) answered += 1;
        if ('afterEntries' in kill && answered >= kill.afterEntries) killing ??= platform.kill();
      }
    }),
  );
  if ('crashPoint' in kill) {
    // Entries all answered before any decision crashed: the workers are still deciding; wait for the crash.
    await platform.crashed(30_000);
  } else {
    await killing;
  }
  expect(platform.running).toBe(false);
  mark('killed');
  const enteredBeforeKill = buyers.filter((b) => b.entries.some((a) => !mustRetry(a))).length;

  await platform.start();
  const restartedAt = Date.now();
  mark('restarted');
  // Whoever got no answer enters again; whoever never got to enter enters now.
  await Promise.all(
    buyers
      .filter((b) => b.entries.length === 0 || mustRetry(b.entries.at(-1)!))
      .map(async (buyer) => {
        buyer.entries.push(...(await untilDefinite(() => enter(buyer), restartedAt + 30_000)));
        entered(buyer);
      }),
  );

  // Every ticket holder polls until decided (within the bound); winners check out, except one in four of the first winners.
  await Promise.all(
    buyers
      .filter((b) => b.ticket !== undefined)
      .map(async (buyer) => {
        const polled = await pollTicket(platform, saleId, buyer, restartedAt + DECISION_BOUND_MS);
        // Only a winner decided before the holds began to end walks away, so every ticket woken from the line checks out.
        const walksAway = buyer.wonAtFirstPoll === true && buyer.index % 4 === 3;
        if (polled?.status === 'won' && !walksAway) {
          const expiresAt = polled.holdExpiresAt;
          const answers = await untilDefinite(
            () =>
              platform.request('POST', `/v1/shops/${SHOP}/checkout`, {
                token: buyer.token,
                headers: { 'idempotency-key': `${buyer.customerId}-hold` },
                body: { paymentMethodId: 'pm_card_visa', email: `${buyer.customerId}@example.com`, shippingAddress: ADDRESS, flashSaleHoldId: polled.holdId },
              }),
            Date.now() + 60_000,
          );
          buyer.checkout = answers.at(-1);
          buyer.holdRanOutFirst = expiresAt !== undefined && Date.parse(expiresAt) <= Date.now();
          buyer.checkoutAnswers = `${answers.map((a) => `${a.status}${a.body?.code ? ` ${a.body.code}` : ''}`).join(', ')} (hold until ${expiresAt}, answered ${new Date().toISOString()})`;
        }
      }),
  );

  mark('ticketsDecidedAndCheckedOut');
  // The sale ends; the minute job closes it and returns the gate's units. A hold may outlive the
  // end (a ticket lives until the end plus its hold time): its units go back when it runs out.
  const report = await within(
    Math.max(0, endsAt - Date.now()) + HOLD_SECONDS * 1000 + 60_000,
    async () => {
      const r = await platform.request('GET', `/v1/shops/${SHOP}/admin/flash-sales/${saleId}/report`, { token: admin });
      return r.status === 200 && r.body.closed && r.body.held === 0 ? (r.body as { unitsReturned: number; held: number; won: number; orders: number; tickets: number }) : undefined;
    },
    () => 'the sale was not closed with every hold ended',
  ).catch((error: Error) => ({ error: error.message }));
  await sleep(500);
  const stock = await stockOf(platform, admin, sku);
  mark('closed');
  const audit = await platform.auditInventory(SHOP);
  mark('audited');

  const holders = buyers.filter((b) => b.ticket !== undefined);
  const summary = {
    scenario: name,
    units: UNITS,
    buyers: BUYERS,
    enteredBeforeKill,
    ticketHolders: holders.length,
    ticketsStillQueuedAfterBound: holders
      .filter((b) => b.final?.status === 'queued' || !b.final)
      .map((b) => `${b.customerId} #${b.ticket} ${b.final?.status ?? 'never answered'}${b.lastPollProblem ? ` (last poll ${b.lastPollProblem})` : ''}`),
    won: holders.filter((b) => b.final?.status === 'won').length,
    lost: holders.filter((b) => b.final?.status === 'lost').length,
    expired: holders.filter((b) => b.final?.status === 'expired').length,
    orders: holders.filter((b) => b.checkout?.status === 201).length,
    // A hold that ran out before its checkout got an answer (the platform down or too busy) is refused as expired, as it must be: its units go back (counted below).
    // `hold_expired` when it had run out before the checkout began, `checkout_expired` when it ran out during the checkout (the payment voided).
    holdsRanOutWhileDown: holders.filter(refusedForItsExpiredHold).length,
    winnersRefusedAnOrder: holders.filter((b) => b.checkout && b.checkout.status !== 201 && !refusedForItsExpiredHold(b)).map((b) => `${b.customerId} #${b.ticket}: ${b.checkoutAnswers}`),
    report,
    stock,
    // Units back in available once every hold has ended: the inventory's own count. (The report's
    // `unitsReturned` misses units of holds that run out after the close: a known gap, noted in the issue.)
    unitsSoldPlusReturned: stock.sold + stock.available,
    auditFindings: audit,
    seconds,
  };
  console.log(`crash flash sale ${JSON.stringify(summary, null, 1)}`);
  return summary;
}

/** Polls a ticket until it is decided (not queued) or the bound passes; records what it last said. */
async function pollTicket(platform: CrashPlatform, saleId: string, buyer: Buyer, bound: number) {
  for (;;) {
    const answer = await platform.request('GET', `/v1/shops/${SHOP}/flash-sales/${saleId}/entries/${buyer.ticket}`, { token: buyer.token });
    buyer.lastPollProblem = answer.status === 200 ? undefined : `${answer.status} ${answer.body?.code ?? ''}`.trim();
    if (answer.status === 200) {
      buyer.final = {
        status: answer.body.status as string,
        ...(answer.body.holdId ? { holdId: answer.body.holdId as string } : {}),
        ...(answer.body.holdExpiresAt ? { holdExpiresAt: answer.body.holdExpiresAt as string } : {}),
      };
      buyer.wonAtFirstPoll ??= buyer.final.status === 'won';
      if (buyer.final.status !== 'queued') {
        buyer.decidedAt = Date.now();
        return buyer.final;
      }
    }
    if (Date.now() > bound) return undefined;
    await sleep(1_000);
  }
}

/** A winner whose hold ran out before its checkout was answered, refused for that and nothing else. */
function refusedForItsExpiredHold(buyer: { holdRanOutFirst?: boolean; checkout?: { status: number; body?: any } }): boolean {
  return buyer.holdRanOutFirst === true && buyer.checkout?.status === 409 && ['hold_expired', 'checkout_expired'].includes(buyer.checkout.body?.code);
}

function expectSettled(summary: Awaited<ReturnType<typeof sale>>) {
  expect(summary.ticketsStillQueuedAfterBound, `every ticket is decided within ${DECISION_BOUND_MS / 1000} s of the restart`).toEqual([]);
  expect(summary.winnersRefusedAnOrder, 'every winner who checks out gets an order').toEqual([]);
  expect(summary.report, 'the sale closes').toHaveProperty('unitsReturned');
  expect(summary.unitsSoldPlusReturned, 'units sold + units returned = the sale units').toBe(UNITS);
  expect((summary.report as { unitsReturned: number }).unitsReturned, 'the report never counts a unit returned that is not').toBeLessThanOrEqual(summary.stock.available);
  expect(summary.stock).toMatchObject({ onHand: UNITS, reserved: 0, sold: summary.orders });
  expect(summary.auditFindings, 'the inventory audit is clean').toEqual([]);
}

describe.concurrent('flash sale, the platform killed with SIGKILL and restarted', () => {
  it('killed during the entries', async () => {
    expectSettled(await sale('entries', { afterEntries: 20 }));
  });

  it('killed while tickets are decided (a win in Redis, its hold not yet recorded)', async () => {
    expectSettled(await sale('decisions', { crashPoint: 'flash-sale.ticket-won@4' }));
  });

  /** A drop whose expected entries (60,000/s at its peak) put its units on 4 sub-gates (docs/capacity.md). */
  const SHARDED = { expectedEntries: 600_000 };

  it('a sale on sub-gates, killed between a decision’s walk over the sub-gates and its settle', async () => {
    expectSettled(await sale('walked', { crashPoint: 'flash-sale.walked@3' }, SHARDED));
  });

  it('a sale on sub-gates, killed in the middle of a walk (a sub-gate passed, the next not visited)', async () => {
    expectSettled(await sale('midwalk', { crashPoint: 'sharded-gate.walked@5' }, SHARDED));
  });
});
