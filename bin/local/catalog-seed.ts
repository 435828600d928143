import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateDemoCatalog } from './demo-catalog';
import type { ImportLineError } from '#shared/catalog/product-import';
import { signLocalToken } from './local-jwt';

/**
 * Seeds a shop's catalog with the deterministic demo catalog through the bulk import API,
 * as a merchant would: NDJSON lines with the demo's product ids, createdAt and initial
 * stock, POSTed in parts under the body limit, then every import followed to its end with
 * progress. Resumable: a product that exists is updated (left alone when unchanged), so a
 * seed killed half-way is simply run again. With a `runFile`, a run started again after a
 * kill re-posts the same parts under the same Idempotency-Keys, so it finds the imports of the
 * killed run (their queued chunks are durable) and follows them to their end: the demo import
 * finishes exactly once.
 */
export interface SeedOptions {
  /** The platform's base URL (the gateway). */
  readonly apiUrl: string;
  readonly shopId: string;
  readonly count: number;
  /** An admin token of the shop. @default one signed with LOCAL_JWT_SECRET */
  readonly token?: string;
  /** Keeps the run's id there, read back by the next run until the seed is done. @default a new run each call */
  readonly runFile?: string;
  readonly log?: (line: string) => void;
}

export interface SeedResult {
  readonly total: number;
  readonly created: number;
  /** Lines whose product was already there (updated, or already in that state). */
  readonly updated: number;
  readonly failed: number;
  readonly skus: number;
  /** The first refused lines. */
  readonly errors: readonly ImportLineError[];
}

/** Lines and bytes per request: well under the route's 4 MiB, so one upload never holds the gateway for long. */
const PART_LINES = 1_000;
const PART_BYTES = 2 * 1024 * 1024;
const POLL_MS = 1_000;
const REPORT_MS = 2_000;
/** An import that moves no line for this long is taken as stuck (its queued chunks are durable, also across a restart). */
const STALL_MS = 120_000;
/** How long a part is retried while the platform says "not now" (a request of a killed run still marked in progress, overload). */
const RETRY_BUDGET_MS = 120_000;

interface ImportState {
  readonly importId: string;
  total: number;
  created: number;
  updated: number;
  failed: number;
  status: 'running' | 'done' | 'failed';
  errors: ImportLineError[];
}

export async function seedCatalog({ apiUrl, shopId, count, token, runFile, log = () => undefined }: SeedOptions): Promise<SeedResult> {
  const bearer = token ?? (await signLocalToken({ sub: 'catalog-seeder', groups: ['admin'], shops: [shopId] }, process.env.LOCAL_JWT_SECRET ?? 'local-dev-secret'));
  const imports = `${apiUrl}/v1/shops/${shopId}/admin/products/imports`;
  // One key per part and run: a retried POST of this run replays its answer (or resumes its import); a new run starts new imports.
  const run = runFile ? resumedRun(runFile) : randomUUID();
  const started = performance.now();
  const states: ImportState[] = [];
  let skus = 0;

  let part: string[] = [];
  let bytes = 0;
  const upload = async () => {
    if (part.length === 0) return;
    const answer = await call(imports, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/x-ndjson', 'idempotency-key': `seed-${run}-${states.length}` },
      body: part.join('\n'),
    });
    const { importId } = answer as { importId: string };
    states.push({ importId, total: part.length, created: 0, updated: 0, failed: 0, status: 'running', errors: [] });
    part = [];
    bytes = 0;
  };
  for (const item of generateDemoCatalog({ count })) {
    const line = JSON.stringify({ id: item.id, createdAt: item.createdAt, ...item.draft, initialStock: item.stock });
    if (part.length === PART_LINES || bytes + line.length > PART_BYTES) await upload();
    part.push(line);
    bytes += line.length + 1;
    skus += item.draft.variants.length;
  }
  await upload();

  let lastReport = 0;
  let lastProgress = { processed: -1, at: performance.now() };
  for (;;) {
    for (const state of states.filter((s) => s.status === 'running')) {
      Object.assign(state, await call(`${imports}/${state.importId}`, { headers: { authorization: `Bearer ${bearer}` } }));
    }
    const processed = states.reduce((n, s) => n + s.created + s.updated + s.failed, 0);
    const finished = states.every((s) => s.status !== 'running');
    if (finished || performance.now() - lastReport >= REPORT_MS) {
      lastReport = performance.now();
      const seconds = (performance.now() - started) / 1000;
      const rate = processed / Math.max(seconds, 0.001);
      const left = rate > 0 ? Math.ceil((count - processed) / rate) : undefined;
      log(`    catalog ${processed}/${count} products, ${rate.toFixed(0)}/s${!finished && left !== undefined ? `, ~${left} s left` : ''}`);
    }
    if (finished) break;
    if (processed !== lastProgress.processed) lastProgress = { processed, at: performance.now() };
    else if (performance.now() - lastProgress.at > STALL_MS) throw new Error(`The imports made no progress for ${STALL_MS / 1000} s (${processed}/${count} lines done).`);
    await sleep(POLL_MS);
  }

  const sum = (field: 'created' | 'updated' | 'failed') => states.reduce((n, s) => n + s[field], 0);
  const failedImport = states.find((s) => s.status === 'failed');
  if (failedImport) throw new Error(`Import ${failedImport.importId} failed: ${failedImport.errors[0]?.message ?? 'no detail'}`);
  return { total: count, created: sum('created'), updated: sum('updated'), failed: sum('failed'), skus, errors: states.flatMap((s) => s.errors).slice(0, 5) };
}

/** The run id kept in `file`, or a new one written there (synced and renamed into place) before anything is posted. */
function resumedRun(file: string): string {
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(kept)) return kept;
  }
  const run = randomUUID();
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, run);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  return run;
}

/** A JSON request, retried while the platform says "not now" (429, 503, a duplicate still in progress) or cannot be reached. */
async function call(url: string, init: RequestInit): Promise<unknown> {
  const deadline = performance.now() + RETRY_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs = Math.min(250 * 2 ** attempt, 5_000);
    try {
      const response = await fetch(url, init);
      const body = (await response.json().catch(() => undefined)) as { code?: string; detail?: string } | undefined;
      if (response.ok) return body;
      const retriable = response.status === 429 || response.status === 503 || body?.code === 'request_in_progress';
      if (!retriable || performance.now() >= deadline) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status} ${body?.code ?? ''} ${body?.detail ?? ''}`.trim());
      const header = Number(response.headers.get('retry-after'));
      if (header > 0) retryAfterMs = header * 1000;
    } catch (error) {
      if (!(error instanceof TypeError) || performance.now() >= deadline) throw error; // TypeError: fetch could not connect
    }
    await sleep(retryAfterMs);
  }
}
