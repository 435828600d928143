// The load generator of bench/overload.ts, in its own thread (own event loop and heap); the
// platform runs in another process. Plain JavaScript: workers do not get tsx's loader.
// node:http with a keep-alive agent (cheaper per request than fetch), a client-side timeout
// per request.
//
// A flow is one buyer (own token, signed by the main thread): `PUT …/cart/items/{sku}` with
// quantity 1, then, if the cart took it, `POST …/checkout` with a fresh Idempotency-Key.
// Each flow takes a SKU of the pool that no other flow has taken; only when every SKU of the
// pool has been taken is one taken again (the least used first, never more often than the
// units it is known to have, else the flow is counted as `noSku` and sends nothing).
//
// Messages (one job at a time; each job answers { type: 'done', id, ... } and posts
// { type: 'progress', id, ... } every `progressMs`):
//   skus    { skus: [{ sku, units }] }: SKUs for the pool (new ones only are added)
//   reset   empties the pool (another platform)
//   closed  `concurrency` buyers in flight, each starting the next flow when its own ends,
//           for `seconds` or until the `buyers` are used up
//   open    one flow started every 1/`rate` s for `seconds` whether or not earlier ones
//           ended (an open loop), at most `maxInFlight` flows open at once
//   stop    ends the job under way early (its answer comes as usual)
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';

const agent = new Agent({ keepAlive: true, maxSockets: 4096, maxFreeSockets: 1024, scheduling: 'fifo' });
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One request; resolves { status, retryAfter, body, ms } (status 'timeout' or 'network' when no answer came). */
function send(base, method, path, headers, body, timeoutMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...answer, ms: performance.now() - started });
    };
    const req = request(base + path, { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode, retryAfter: res.headers['retry-after'], correlationId: res.headers['x-correlation-id'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => finish({ status: 'network', body: String(error.message) }));
    });
    const timer = setTimeout(() => {
      finish({ status: 'timeout', body: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish({ status: 'network', body: `${error.code ?? ''} ${error.message}`.trim() }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------
// The SKU pool: fresh SKUs first, then the least used one that still has units.
const known = new Set();
const fresh = [];
const used = []; // { sku, units, uses }
let reuseAt = 0;
function addSkus(list) {
  for (const { sku, units } of list) {
    if (known.has(sku)) continue;
    known.add(sku);
    fresh.push({ sku, units, uses: 0 });
  }
}
function takeSku() {
  const next = fresh.shift();
  if (next) {
    next.uses++;
    used.push(next);
    return { sku: next.sku, reused: false };
  }
  // Round-robin over the used ones, skipping those out of units.
  for (let tried = 0; tried < used.length; tried++) {
    const candidate = used[reuseAt++ % used.length];
    if (candidate.uses < candidate.units) {
      candidate.uses++;
      return { sku: candidate.sku, reused: true };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Recording: per request kind (cart, checkout), answers by status and problem code, latency
// lists, whether 409/429/503 carried Retry-After, and a few sample bodies per answer.
function recorder(startedAt) {
  const kind = () => ({ statuses: {}, latencies: {}, retryAfterMissing: {}, samples: {} });
  const r = { startedAt, cart: kind(), checkout: kind(), created: [], reused: 0, noSku: 0, clientCapped: 0, flows: 0, done: 0, inFlight: 0, maxInFlight: 0, lagMs: 0 };
  r.add = (which, answer) => {
    const k = r[which];
    let code = '';
    if (typeof answer.status === 'number' && answer.status >= 400) {
      try {
        code = JSON.parse(answer.body).code ?? '';
      } catch {
        code = '';
      }
    }
    const key = typeof answer.status === 'number' ? `${answer.status}${code ? ` ${code}` : ''}` : answer.status;
    k.statuses[key] = (k.statuses[key] ?? 0) + 1;
    (k.latencies[String(answer.status)] ??= []).push(answer.ms);
    if ((answer.status === 409 || answer.status === 429 || answer.status === 503) && !answer.retryAfter) k.retryAfterMissing[key] = (k.retryAfterMissing[key] ?? 0) + 1;
    const success = (which === 'cart' && answer.status === 200) || (which === 'checkout' && answer.status === 201);
    const samples = success ? undefined : (k.samples[key] ??= []);
    if (samples && samples.length < 3) samples.push(`${answer.body.replace(/\s+/g, ' ').slice(0, 300)}${answer.correlationId ? ` (x-correlation-id ${answer.correlationId})` : ''}`);
  };
  r.summary = () => ({
    startedAt: r.startedAt,
    cart: { statuses: r.cart.statuses, latencies: r.cart.latencies, retryAfterMissing: r.cart.retryAfterMissing, samples: r.cart.samples },
    checkout: { statuses: r.checkout.statuses, latencies: r.checkout.latencies, retryAfterMissing: r.checkout.retryAfterMissing, samples: r.checkout.samples },
    created: r.created,
    flows: r.flows,
    reused: r.reused,
    noSku: r.noSku,
    clientCapped: r.clientCapped,
    maxInFlight: r.maxInFlight,
    lagMs: r.lagMs,
  });
  return r;
}

async function flow(job, buyer, rec) {
  rec.flows++;
  const picked = takeSku();
  if (!picked) {
    rec.noSku++;
    return;
  }
  if (picked.reused) rec.reused++;
  rec.inFlight++;
  rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
  try {
    const headers = { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' };
    const cart = await send(job.base, 'PUT', `/v1/shops/${job.shopId}/cart/items/${encodeURIComponent(picked.sku)}`, headers, JSON.stringify({ quantity: 1 }), job.timeoutMs);
    rec.add('cart', cart);
    if (cart.status !== 200) return;
    const body = JSON.stringify({
      paymentMethodId: 'pm_card_visa',
      email: buyer.email,
      shippingAddress: { name: buyer.name, line1: '1 Bench Street', city: 'Springfield', postalCode: '12345', country: 'US' },
    });
    const checkout = await send(job.base, 'POST', `/v1/shops/${job.shopId}/checkout`, { ...headers, 'idempotency-key': randomUUID() }, body, job.timeoutMs);
    rec.add('checkout', checkout);
    if (checkout.status === 201) rec.created.push(now());
  } finally {
    rec.inFlight--;
    rec.done++;
  }
}

let stopping = false;

function progress(job, rec) {
  return setInterval(() => {
    const count = (k, pick) =>
      Object.entries(rec[k].statuses)
        .filter(([s]) => pick(s))
        .reduce((a, [, n]) => a + n, 0);
    parentPort.postMessage({
      type: 'progress',
      id: job.id,
      seconds: (now() - rec.startedAt) / 1000,
      flows: rec.flows,
      inFlight: rec.inFlight,
      created: rec.created.length,
      refused: count('checkout', (s) => /^(409|429|503)/.test(s)) + count('cart', (s) => /^(409|429|503)/.test(s)),
      failed: count('checkout', (s) => /^5/.test(s) && !/^503/.test(s)) + count('cart', (s) => /^5/.test(s) && !/^503/.test(s)),
      noAnswer: count('checkout', (s) => !/^\d/.test(s)) + count('cart', (s) => !/^\d/.test(s)),
    });
  }, job.progressMs ?? 5_000);
}

const JOBS = {
  async closed(job) {
    const rec = recorder(now());
    const timer = progress(job, rec);
    const end = rec.startedAt + job.seconds * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (!stopping && now() < end && next < job.buyers.length) await flow(job, job.buyers[next++], rec);
      }),
    );
    clearInterval(timer);
    return { ...rec.summary(), seconds: (now() - rec.startedAt) / 1000, endedBy: next >= job.buyers.length ? 'buyers' : stopping ? 'stop' : 'time' };
  },

  async open(job) {
    const rec = recorder(now());
    const timer = progress(job, rec);
    const total = Math.min(job.buyers.length, Math.round(job.rate * job.seconds));
    const flows = new Set();
    let launched = 0;
    while (!stopping && launched < total) {
      const elapsed = now() - rec.startedAt;
      const due = Math.min(total, Math.floor((elapsed / 1000) * job.rate) + 1);
      // How late the generator starts flows (should stay near 0: the schedule is kept).
      if (due - launched > 1) rec.lagMs = Math.max(rec.lagMs, elapsed - ((due - 1) / job.rate) * 1000);
      while (launched < due) {
        const buyer = job.buyers[launched++];
        if (rec.inFlight >= job.maxInFlight) {
          rec.flows++;
          rec.clientCapped++;
          continue;
        }
        const f = flow(job, buyer, rec).finally(() => flows.delete(f));
        flows.add(f);
      }
      await sleep(Math.max(1, (launched / job.rate) * 1000 - (now() - rec.startedAt)));
    }
    const offeredSeconds = (now() - rec.startedAt) / 1000;
    await Promise.all(flows);
    clearInterval(timer);
    return { ...rec.summary(), seconds: offeredSeconds, drainSeconds: (now() - rec.startedAt) / 1000 - offeredSeconds, endedBy: stopping ? 'stop' : 'time' };
  },
};

parentPort.on('message', async (message) => {
  if (message.type === 'stop') {
    stopping = true;
    return;
  }
  if (message.type === 'skus') {
    addSkus(message.skus);
    return;
  }
  if (message.type === 'reset') {
    known.clear();
    fresh.length = 0;
    used.length = 0;
    return;
  }
  stopping = false;
  try {
    const result = await JOBS[message.type](message);
    parentPort.postMessage({ type: 'done', id: message.id, ...result });
  } catch (error) {
    parentPort.postMessage({ type: 'done', id: message.id, error: String(error?.stack ?? error) });
  }
});
