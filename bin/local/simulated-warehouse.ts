import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SIGNATURE_HEADER, verifyWarehouseSignature } from '#shared/adapters/warehouse/warehouse-signature';
import { fulfilmentKey, type WarehouseOrder } from '#shared/fulfillment/warehouse';

/**
 * The local stand-in for the warehouse (WMS). It takes orders as the real one would
 * (`POST /orders`, JSON signed with `X-Signature: sha256=<hex HMAC-SHA256>`, 401 when the
 * signature is wrong, 202 when taken, 409 for an order it already has), and `pickDelayMs`
 * later reports each order picked through the platform's own admin API:
 * `POST {apiUrl}/v1/shops/{shopId}/admin/orders/{orderId}/events {"type":"PICKED"}` with a
 * staff token of the shop. A 409 answer (the order moved meanwhile, e.g. cancelled) is
 * accepted; other failures are retried with backoff, then given up (and logged).
 *
 * With `journalFile`, it keeps its orders on disk as a real WMS would: each order taken and
 * each pick settled (reported, refused with 409, or given up) is a line appended before the
 * answer. Started again on the same file (after a `kill -9` of `npm start`, say), it knows
 * the orders it has (a re-sent one is still a 409) and reports the picks still owed.
 */
export interface SimulatedWarehouseOptions {
  /** @default 0: a free port */
  readonly port?: number;
  /** Base URL of the platform's API (the local gateway). */
  readonly apiUrl: string;
  /** How long after taking an order the warehouse reports it picked. */
  readonly pickDelayMs: number;
  /** The HMAC secret shared with the platform (WAREHOUSE_SECRET). */
  readonly secret: string;
  /** A bearer token of staff of the shop (group admin, the shop in `shops`). */
  readonly adminToken: (shopId: string) => string | Promise<string>;
  /** Attempts of a pick report before giving up. @default 5 */
  readonly reportAttempts?: number;
  /** Wait before the second attempt, doubled for each later one. @default 250 */
  readonly retryBaseMs?: number;
  /** Keep the orders taken and the picks settled in this file (JSON lines); in memory when absent. */
  readonly journalFile?: string;
  /** What the warehouse does, for people. */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** The timers of the pick delay and the retries (tests pass ones they advance). @default the global setTimeout and clearTimeout */
  readonly timers?: WarehouseTimers;
}

export interface WarehouseTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const GLOBAL_TIMERS: WarehouseTimers = { setTimeout: (run, ms) => setTimeout(run, ms), clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout) };

export interface SimulatedWarehouse {
  /** The endpoint orders are POSTed to: the platform's WAREHOUSE_URL. */
  readonly url: string;
  /** The orders taken so far (each once), in arrival order. */
  received(): WarehouseOrder[];
  /** Resolves when every pick scheduled so far has been reported or given up. */
  idle(): Promise<void>;
  /** Closes the server and cancels the pick reports still pending. */
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

type JournalLine = { readonly taken: WarehouseOrder } | { readonly settled: string };

/** The journal's lines; a last line cut short by a crash is ignored (its order was never answered 202). */
function readJournal(file: string): JournalLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  // end a cut line, so that the next line appended stands on its own
  if (text.length > 0 && !text.endsWith('\n')) appendFileSync(file, '\n');
  const lines: JournalLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      lines.push(JSON.parse(line) as JournalLine);
    } catch {
      // a line cut short by a crash
    }
  }
  return lines;
}

const WarehouseOrderSchema = z.object({
  shopId: z.string().min(1),
  orderId: z.string().min(1),
  lines: z.array(z.object({ sku: z.string().min(1), title: z.string(), quantity: z.number().int().positive() })).min(1),
  shippingAddress: z.object({
    name: z.string().min(1),
    line1: z.string().min(1),
    line2: z.string().optional(),
    city: z.string().min(1),
    postalCode: z.string().min(1),
    country: z.string().min(1),
  }),
  placedAt: z.iso.datetime({ offset: true }),
});

export async function startSimulatedWarehouse(options: SimulatedWarehouseOptions): Promise<SimulatedWarehouse> {
  const log = options.log ?? (() => undefined);
  const attempts = options.reportAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const apiBase = options.apiUrl.replace(/\/+$/, '');
  const orders = new Map<string, WarehouseOrder>();
  const scheduler = options.timers ?? GLOBAL_TIMERS;
  const timers = new Set<unknown>();
  const reports = new Set<Promise<void>>();
  const stopping = new AbortController();
  const journal = (line: JournalLine): void => {
    if (options.journalFile) appendFileSync(options.journalFile, `${JSON.stringify(line)}\n`);
  };

  function later(ms: number, run: () => Promise<void>): void {
    const timer = scheduler.setTimeout(() => {
      timers.delete(timer);
      const report = run().finally(() => reports.delete(report));
      reports.add(report);
    }, ms);
    timers.add(timer);
  }

  async function reportPicked(order: WarehouseOrder, attempt: number): Promise<void> {
    const keys = { shopId: order.shopId, orderId: order.orderId, attempt };
    const url = `${apiBase}/v1/shops/${encodeURIComponent(order.shopId)}/admin/orders/${encodeURIComponent(order.orderId)}/events`;
    let failure: string;
    try {
      const token = await options.adminToken(order.shopId);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ type: 'PICKED' }),
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(10_000)]),
      });
      const text = await response.text();
      if (response.ok) {
        journal({ settled: fulfilmentKey(order) });
        return log({ event: 'picked', ...keys });
      }
      if (response.status === 409) {
        journal({ settled: fulfilmentKey(order) });
        return log({ event: 'pick not recorded: the order moved meanwhile', ...keys, answer: text.slice(0, 300) });
      }
      failure = `HTTP ${response.status}: ${text.slice(0, 300)}`;
    } catch (error) {
      if (stopping.signal.aborted) return;
      failure = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    if (attempt >= attempts) {
      journal({ settled: fulfilmentKey(order) });
      return log({ event: 'pick report given up', ...keys, failure });
    }
    log({ event: 'pick report failed, retrying', ...keys, failure });
    later(retryBaseMs * 2 ** (attempt - 1), () => reportPicked(order, attempt + 1));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: Record<string, unknown>): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://warehouse').pathname;
    if (path !== '/orders') return send(404, { error: 'not_found', message: `No route ${req.method} ${path}; orders are POSTed to /orders.` });
    if (req.method !== 'POST') return send(405, { error: 'method_not_allowed', message: 'Orders are POSTed.' });

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(413, { error: 'too_large', message: `Orders are at most ${MAX_BODY_BYTES} bytes.` });
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const signature = req.headers[SIGNATURE_HEADER];
    if (!verifyWarehouseSignature(raw, typeof signature === 'string' ? signature : undefined, options.secret)) {
      log({ event: 'order refused: bad signature' });
      return send(401, { error: 'invalid_signature', message: 'X-Signature is missing or is not sha256=<hex HMAC-SHA256 of the body> with the shared secret.' });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(400, { error: 'invalid_order', message: 'The body is not JSON.' });
    }
    const parsed = WarehouseOrderSchema.safeParse(json);
    if (!parsed.success) {
      return send(400, { error: 'invalid_order', message: 'The order is not valid.', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    const order = parsed.data;
    const key = fulfilmentKey(order);
    if (req.headers['idempotency-key'] !== key) {
      return send(400, { error: 'invalid_idempotency_key', message: `Idempotency-Key must be ${key}.` });
    }
    if (orders.has(key)) {
      log({ event: 'order already taken', shopId: order.shopId, orderId: order.orderId });
      return send(409, { error: 'already_received', message: `Order ${order.orderId} was taken already.` });
    }
    orders.set(key, order);
    journal({ taken: order });
    log({ event: 'order taken', shopId: order.shopId, orderId: order.orderId, lines: order.lines.length });
    later(options.pickDelayMs, () => reportPicked(order, 1));
    send(202, { status: 'accepted', orderId: order.orderId });
  }

  if (options.journalFile) {
    const owed = new Map<string, WarehouseOrder>();
    for (const line of readJournal(options.journalFile)) {
      if ('taken' in line) {
        orders.set(fulfilmentKey(line.taken), line.taken);
        owed.set(fulfilmentKey(line.taken), line.taken);
      } else owed.delete(line.settled);
    }
    if (owed.size > 0) log({ event: 'picks still owed from before a restart', orders: owed.size });
    for (const order of owed.values()) later(options.pickDelayMs, () => reportPicked(order, 1));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log({ event: 'request failed', error: String(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'internal' }));
      else res.destroy();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    url: `http://127.0.0.1:${port}/orders`,
    received: () => [...orders.values()].map((order) => structuredClone(order)),
    async idle() {
      while (timers.size > 0 || reports.size > 0) {
        if (reports.size > 0) await Promise.all([...reports]);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      stopping.abort();
      for (const timer of timers) scheduler.clearTimeout(timer);
      timers.clear();
      await Promise.all([...reports]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
