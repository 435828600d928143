// The load generator of bench/flash-sale.ts (a child process, so that its CPU is counted on its
// own) and of bench/edge.ts (a worker thread): its own event loop and heap either way.
// Plain JavaScript: workers and forked processes do not get tsx's loader. node:http with a keep-alive agent (one
// socket per request in flight) rather than fetch, whose client side costs several times
// more CPU per request; the same client drives the gateway and the bare server.
//
// Customer tokens: HS256 JWTs of the form the local gateway verifies (bin/local/local-jwt.ts),
// signed here with node:crypto as each customer enters (a few µs each), so 500,000 distinct
// customers cost no pre-signing time and no memory.
//
// Jobs, one at a time; each answers { type: 'done', ... } and posts progress every `progressMs`:
//   entries  one POST …/entries per customer index in [from, from + count), at most
//            `maxSeconds` (see `untilSoldOut`); answers counted by kind, the tickets of the
//            202s kept; with `retries`, an entry answered 0, 429 or 5xx is sent again.
//   drop     the whole sale as virtual customers: each enters once (as `entries`); a customer
//            with a ticket polls it every `pollAfterMs` (the answer's own value) until it is
//            decided, and a winner checks out with its hold. Entries, polls and checkouts
//            have their own number in flight, so customers waiting for a decision hold no
//            connection; polls and checkouts stop `afterEntriesSeconds` after the entries.
//   hammer   `perCustomer` entries back to back from each of `customers` customers.
//   bare     requests shaped like entries (same headers and body) against the bare server.
//   stop     ends the job under way (its answer comes as usual).
// Entry answers served by the edge function (`X-Served-By: edge`) are counted apart. The drop
// posts { type: 'phase', phase: 'entries', ... } when its last entry is answered.
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parentPort as threadPort } from 'node:worker_threads';

// A worker thread's port, or the IPC channel of a forked child process (which ends with its parent).
const parentPort =
  threadPort ??
  (() => {
    process.on('disconnect', () => process.exit(0));
    return { postMessage: (message) => process.send(message), on: (event, listener) => process.on(event, listener) };
  })();

const ISSUER = 'commerce-local';
const AUDIENCE = 'commerce-api';
const b64url = (text) => Buffer.from(text).toString('base64url');
const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
function token(secret, sub) {
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(JSON.stringify({ groups: [], shops: [], sub, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 12 * 3600 }));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024, scheduling: 'fifo' });

/** One request; resolves { status, headers, body, ms } (status 0 on a network error). */
function send(base, method, path, headers, body) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request(base + path, { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', (error) => resolve({ status: 0, headers: {}, body: String(error), ms: performance.now() - started }));
    });
    req.on('error', (error) => resolve({ status: 0, headers: {}, body: String(error.message), ms: performance.now() - started }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

let stopping = false;
/** Epoch milliseconds, comparable with the main thread's `performance.timeOrigin + performance.now()`. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

parentPort.on('message', async (job) => {
  if (job.type === 'stop') {
    stopping = true;
    return;
  }
  stopping = false;
  try {
    const result = await JOBS[job.type](job);
    parentPort.postMessage({ type: 'done', ...result });
  } catch (error) {
    parentPort.postMessage({ type: 'done', error: String(error?.stack ?? error) });
  }
});

/** What an entry answer is. */
function kindOf(res) {
  if (res.status === 202) return 'queued';
  if (res.status === 200 && res.body.includes('"sold_out"')) return 'sold_out';
  if (res.status === 200) return 'again';
  if (res.status === 429) return 'rate_limited';
  return 'other';
}

/** Live counters of an entry loop (read by the progress messages). */
const newCounters = () => ({ sent: 0, edge: 0, retries: 0, kinds: { queued: 0, again: 0, sold_out: 0, rate_limited: 0, other: 0 } });

/** The entry loop shared by `entries` and `drop`: `concurrency` customers in flight. */
async function enter(job, counters, onQueued) {
  const { kinds } = counters;
  const latencies = { queued: [], sold_out: [], other: [], all: [] };
  const samples = {};
  let firstSoldOutAt = 0;
  let lastQueuedAt = 0;
  let next = job.from ?? 0;
  const end = (job.from ?? 0) + job.count;
  const started = now();
  const deadline = started + job.maxSeconds * 1000;
  // `untilSoldOut`: past `maxSeconds`, entries go on until the sale has answered sold out
  // for `soldOutSeconds` (every ticket handed out, the sold-out path seen), but never past
  // `hardMaxSeconds`.
  const hardDeadline = started + (job.hardMaxSeconds ?? job.maxSeconds) * 1000;
  const going = () => {
    const t = now();
    if (t < deadline) return true;
    if (!job.untilSoldOut || t >= hardDeadline) return false;
    return !firstSoldOutAt || t < firstSoldOutAt + (job.soldOutSeconds ?? 0) * 1000;
  };
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      for (let i = next++; i < end && !stopping && going(); i = next++) {
        const headers = { authorization: `Bearer ${token(job.secret, `${job.subPrefix}${i}`)}`, 'content-type': 'application/json' };
        const sentAt = now();
        let res = await send(job.base, 'POST', job.entriesPath, headers, '{}');
        // With `retries`, a network error, 429 or 5xx is retried as a client would (entering
        // again answers the customer's first ticket); the latency is the last attempt's.
        for (let attempt = 1; attempt <= (job.retries ?? 0) && (res.status === 0 || res.status === 429 || res.status >= 500); attempt++) {
          counters.retries += 1;
          samples[`retried ${res.status}`] ??= res.body.slice(0, 300);
          await sleep(200 * attempt);
          res = await send(job.base, 'POST', job.entriesPath, headers, '{}');
        }
        counters.sent += 1;
        const kind = kindOf(res);
        kinds[kind] += 1;
        latencies.all.push(res.ms);
        if (res.headers['x-served-by'] === 'edge') counters.edge += 1;
        if (kind === 'queued') {
          const answer = JSON.parse(res.body);
          lastQueuedAt = now();
          latencies.queued.push(res.ms);
          onQueued?.({ i, ticket: answer.ticket, sentAt, pollAfterMs: answer.pollAfterMs });
        } else if (kind === 'sold_out') {
          if (!firstSoldOutAt) firstSoldOutAt = now();
          latencies.sold_out.push(res.ms);
        } else {
          latencies.other.push(res.ms);
          if (kind !== 'again') samples[res.status] ??= res.body.slice(0, 300);
        }
      }
    }),
  );
  return { started, finished: now(), sent: counters.sent, edge: counters.edge, retries: counters.retries, kinds: { ...kinds }, samples, firstSoldOutAt, lastQueuedAt, latencies: summarize(latencies) };
}

const JOBS = {
  async entries(job) {
    const tickets = [];
    const counters = newCounters();
    const started = now();
    const progress = setInterval(() => parentPort.postMessage({ type: 'progress', sent: counters.sent, kinds: { ...counters.kinds }, seconds: (now() - started) / 1000 }), job.progressMs ?? 3000);
    const result = await enter(job, counters, (t) => tickets.push([t.i, t.ticket, t.sentAt]));
    clearInterval(progress);
    return { ...result, tickets };
  },

  async drop(job) {
    const started = now();
    const tickets = []; // [customerIndex, ticket, sentAt]
    const pollQueue = []; // ordered by due time
    const decided = []; // [customerIndex, ticket, status, firstSeenAt, polls, sentAt]
    const byStatus = {};
    const checkoutQueue = []; // [customerIndex, holdId]
    const checkouts = { attempted: 0, statuses: {}, samples: {}, orders: [], latencies: [], retries: 0, firstAt: 0, lastOkAt: 0 };
    const polls = { sent: 0, failures: 0, latencies: [] };
    let entriesDone = false;
    const counters = newCounters();
    const wakePollers = [];
    const wakeBuyers = [];
    const wake = (list) => list.splice(0).forEach((w) => w());

    const schedule = (entry) => {
      let k = pollQueue.length;
      while (k > 0 && pollQueue[k - 1].due > entry.due) k--;
      pollQueue.splice(k, 0, entry);
      wake(wakePollers);
    };

    let pollsInFlight = 0;
    // Polls and checkouts go on for `afterEntriesSeconds` once the entries are over.
    let pollDeadline = Number.POSITIVE_INFINITY;
    const pollers = Array.from({ length: job.pollConcurrency }, async () => {
      while (!stopping && now() < pollDeadline) {
        const entry = pollQueue[0];
        if (!entry) {
          if (entriesDone && pollsInFlight === 0) {
            wake(wakePollers);
            return;
          }
          await new Promise((r) => wakePollers.push(r));
          continue;
        }
        const wait = entry.due - now();
        if (wait > 0) {
          await Promise.race([sleep(Math.min(wait, 250)), new Promise((r) => wakePollers.push(r))]);
          continue;
        }
        pollQueue.shift();
        pollsInFlight += 1;
        const res = await send(job.base, 'GET', `${job.entriesPath}/${entry.ticket}`, { authorization: `Bearer ${token(job.secret, `${job.subPrefix}${entry.i}`)}` });
        pollsInFlight -= 1;
        polls.sent += 1;
        polls.latencies.push(res.ms);
        entry.polls += 1;
        let status = 'error';
        let holdId;
        let pollAfterMs = job.pollAfterMs;
        if (res.status === 200) ({ status, holdId, pollAfterMs = job.pollAfterMs } = JSON.parse(res.body));
        else polls.failures += 1;
        if (status === 'queued' || status === 'error') {
          entry.due = now() + pollAfterMs;
          schedule(entry);
          continue;
        }
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        decided.push([entry.i, entry.ticket, status, now(), entry.polls, entry.sentAt]);
        if (status === 'won' && holdId) {
          checkoutQueue.push([entry.i, holdId]);
          wake(wakeBuyers);
        }
        wake(wakePollers);
      }
    });

    let buyersInFlight = 0;
    let pollersDone = false;
    let checkoutDeadline = Number.POSITIVE_INFINITY;
    const buyers = Array.from({ length: job.checkoutConcurrency }, async () => {
      while (!stopping && now() < checkoutDeadline) {
        const next = checkoutQueue.shift();
        if (!next) {
          if (pollersDone && buyersInFlight === 0) {
            wake(wakeBuyers);
            return;
          }
          await Promise.race([new Promise((r) => wakeBuyers.push(r)), sleep(500)]);
          continue;
        }
        const [i, holdId] = next;
        const sub = `${job.subPrefix}${i}`;
        const key = randomUUID();
        const body = JSON.stringify({
          paymentMethodId: 'pm_card_visa',
          email: `${sub}@bench.example.com`,
          flashSaleHoldId: holdId,
          shippingAddress: { name: `Buyer ${i}`, line1: '1 Drop Street', city: 'Springfield', postalCode: '12345', country: 'US' },
        });
        buyersInFlight += 1;
        checkouts.attempted += 1;
        checkouts.firstAt ||= now();
        let res;
        // A network error, 429 or 5xx is retried with the same Idempotency-Key, as a client would.
        for (let attempt = 0; attempt < 3; attempt++) {
          if (attempt > 0) checkouts.retries += 1;
          res = await send(job.base, 'POST', job.checkoutPath, { authorization: `Bearer ${token(job.secret, sub)}`, 'content-type': 'application/json', 'idempotency-key': key }, body);
          if (res.status !== 0 && res.status !== 429 && res.status < 500) break;
          await sleep(200 * (attempt + 1));
        }
        buyersInFlight -= 1;
        checkouts.statuses[res.status] = (checkouts.statuses[res.status] ?? 0) + 1;
        checkouts.latencies.push(res.ms);
        if (res.status === 201) {
          checkouts.orders.push([i, JSON.parse(res.body).orderId]);
          checkouts.lastOkAt = now();
        } else checkouts.samples[res.status] ??= res.body.slice(0, 300);
      }
    });

    const progress = setInterval(
      () =>
        parentPort.postMessage({
          type: 'progress',
          seconds: (now() - started) / 1000,
          entries: counters.sent,
          edge: counters.edge,
          entriesDone,
          kinds: { ...counters.kinds },
          tickets: tickets.length,
          polls: polls.sent,
          decided: decided.length,
          won: byStatus.won ?? 0,
          orders: checkouts.orders.length,
          checkoutsWaiting: checkoutQueue.length,
        }),
      job.progressMs ?? 3000,
    );

    const entryResult = await enter(job, counters, (t) => {
      tickets.push([t.i, t.ticket, t.sentAt]);
      schedule({ i: t.i, ticket: t.ticket, sentAt: t.sentAt, due: now() + (t.pollAfterMs ?? job.pollAfterMs), polls: 0 });
    });
    entriesDone = true;
    parentPort.postMessage({ type: 'phase', phase: 'entries', at: now(), orders: checkouts.orders.length, decided: decided.length });
    pollDeadline = checkoutDeadline = now() + job.afterEntriesSeconds * 1000;
    wake(wakePollers);
    await Promise.all(pollers);
    pollersDone = true;
    wake(wakeBuyers);
    await Promise.all(buyers);
    clearInterval(progress);
    const undecided = pollQueue.map((e) => [e.i, e.ticket]);
    return {
      started,
      finished: now(),
      entries: entryResult,
      tickets,
      polls: { sent: polls.sent, failures: polls.failures, latency: summarize({ all: polls.latencies }).all },
      byStatus,
      decided,
      undecided,
      checkouts: { ...checkouts, latencies: undefined, latency: summarize({ all: checkouts.latencies }).all, notAttempted: checkoutQueue.length },
    };
  },

  async hammer(job) {
    const kinds = {};
    let retryAfter;
    const started = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        for (let c = next++; c < job.customers; c = next++) {
          const headers = { authorization: `Bearer ${token(job.secret, `${job.subPrefix}${c}`)}`, 'content-type': 'application/json' };
          for (let k = 0; k < job.perCustomer; k++) {
            const res = await send(job.base, 'POST', job.entriesPath, headers, '{}');
            const kind =
              res.status === 429
                ? '429 rate_limited'
                : res.status === 202
                  ? '202 queued'
                  : res.status === 200
                    ? res.body.includes('"sold_out"')
                      ? '200 sold_out'
                      : '200 own ticket again'
                    : `${res.status}`;
            kinds[kind] = (kinds[kind] ?? 0) + 1;
            if (res.status === 429) retryAfter ??= res.headers['retry-after'];
          }
        }
      }),
    );
    return { started, finished: now(), kinds, retryAfter };
  },

  async bare(job) {
    const latencies = [];
    let failures = 0;
    let next = 0;
    const started = now();
    const deadline = started + job.maxSeconds * 1000;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        for (let i = next++; !stopping && now() < deadline; i = next++) {
          const headers = { authorization: `Bearer ${token(job.secret, `${job.subPrefix}${i}`)}`, 'content-type': 'application/json' };
          const res = await send(job.base, 'POST', job.entriesPath, headers, '{}');
          if (res.status !== 200) failures += 1;
          latencies.push(res.ms);
        }
      }),
    );
    return { started, finished: now(), sent: latencies.length, failures, latency: summarize({ all: latencies }).all };
  },
};

function summarize(groups) {
  const out = {};
  for (const [name, list] of Object.entries(groups)) {
    list.sort((a, b) => a - b);
    const at = (p) => (list.length === 0 ? NaN : list[Math.min(list.length - 1, Math.max(0, Math.ceil((p / 100) * list.length) - 1))]);
    out[name] = { n: list.length, p50: at(50), p99: at(99), max: list.at(-1) ?? NaN };
  }
  return out;
}
