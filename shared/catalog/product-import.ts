import { createHash } from 'node:crypto';
import { ValidationError } from '#shared/errors';

/**
 * The bulk product import, as data: an NDJSON file is split into chunks of consecutive
 * lines that one worker invocation writes at a time; each chunk's outcome is recorded once
 * on the import, whose status follows from the counts. Lines that cannot be read (not JSON,
 * a SKU that an earlier line already has) are refused before any chunk is written.
 */
export const MAX_IMPORT_LINES = 10_000;
/** Lambda takes at most 6 MB per synchronous request, and API Gateway base64-encodes an NDJSON body (4/3). */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;
export const MAX_LINE_BYTES = 128 * 1024;
export const MAX_INITIAL_UNITS = 1_000_000;
/** A chunk is one SQS message (256 KiB at most) and one worker invocation. */
export const CHUNK_MAX_LINES = 100;
export const CHUNK_MAX_BYTES = 192 * 1024;

export const IMPORT_ERROR_CODES = ['malformed_json', 'validation_failed', 'duplicate_sku', 'duplicate_product', 'sku_taken', 'sku_conflict', 'conflict', 'not_imported'] as const;
export type ImportErrorCode = (typeof IMPORT_ERROR_CODES)[number];

export interface ImportLineError {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly code: ImportErrorCode;
  readonly message: string;
}

/** One unit of work of the import worker (one queue message). */
export interface ImportChunk {
  readonly shopId: string;
  readonly importId: string;
  readonly chunk: number;
  /** The shop's currency when the import started (prices are checked against it). */
  readonly currency: string;
  readonly actor: string;
  /** When the import started: the time of its initial-count ledger entries and of new products without `createdAt`. */
  readonly startedAt: string;
  /** Lines that parsed as JSON, still to be validated. */
  readonly lines: ReadonlyArray<{ readonly line: number; readonly value: unknown }>;
  /** Lines refused before the chunk was queued. */
  readonly rejected: readonly ImportLineError[];
}

export interface ImportRecord {
  readonly shopId: string;
  readonly importId: string;
  readonly actor: string;
  readonly startedAt: string;
  readonly total: number;
  readonly chunks: number;
  readonly chunksDone: number;
  /** Chunks given up after the queue's last delivery: their lines are reported `not_imported`. */
  readonly chunksFailed: number;
  readonly created: number;
  readonly updated: number;
  readonly failed: number;
}

export interface ChunkOutcome {
  readonly chunk: number;
  readonly created: number;
  readonly updated: number;
  readonly errors: readonly ImportLineError[];
  readonly abandoned: boolean;
}

export type ImportStatus = 'running' | 'done' | 'failed';

export function importStatus(record: Pick<ImportRecord, 'chunks' | 'chunksDone' | 'chunksFailed'>): ImportStatus {
  if (record.chunksDone + record.chunksFailed < record.chunks) return 'running';
  return record.chunksFailed > 0 ? 'failed' : 'done';
}

/**
 * The import's id, from who sent which file under which Idempotency-Key: a retry of a
 * request that died half-way finds the same import (and its chunks already written).
 */
export function importIdFor(shopId: string, actor: string, requestKey: string, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `imp_${createHash('sha256').update([shopId, actor, requestKey, bodyHash].join('\u0000')).digest('hex').slice(0, 24)}`;
}

/**
 * The id of a product imported without one: from the shop and its lowest SKU, so that the
 * same line imported twice (a redelivered chunk, the same file twice at once) names the
 * same product.
 */
export function derivedProductId(shopId: string, skus: readonly string[]): string {
  const lowest = [...skus].map((s) => s.toUpperCase()).sort()[0] ?? '';
  return `prd_${createHash('sha256').update(`${shopId}\u0000${lowest}`).digest('hex').slice(0, 20)}`;
}

export interface ImportPlan {
  readonly total: number;
  readonly chunks: ReadonlyArray<Pick<ImportChunk, 'lines' | 'rejected'>>;
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Splits an NDJSON body into chunks of consecutive lines (blank lines are skipped and not
 * counted). A line that is not JSON, not an object, too long, or that repeats a SKU of an
 * earlier line is refused here with its line number; the rest is validated by the worker.
 */
export function planImport(ndjson: string): ImportPlan {
  const rows = ndjson.split('\n');
  const skuLines = new Map<string, number>();
  const chunks: Array<{ lines: Array<{ line: number; value: unknown }>; rejected: ImportLineError[] }> = [];
  let current = { lines: [] as Array<{ line: number; value: unknown }>, rejected: [] as ImportLineError[] };
  let count = 0;
  let bytes = 0;
  let total = 0;
  const flush = () => {
    if (count > 0) chunks.push(current);
    current = { lines: [], rejected: [] };
    count = 0;
    bytes = 0;
  };

  rows.forEach((row, index) => {
    const text = row.trim();
    if (text === '') return;
    total++;
    if (total > MAX_IMPORT_LINES) return;
    const line = index + 1;
    const size = Buffer.byteLength(text);
    if (count === CHUNK_MAX_LINES || bytes + size > CHUNK_MAX_BYTES) flush();
    count++;
    const refuse = (code: ImportErrorCode, message: string) => current.rejected.push({ line, code, message: clip(message) });
    if (size > MAX_LINE_BYTES) return refuse('validation_failed', `A line is at most ${MAX_LINE_BYTES / 1024} KiB; this one has ${Math.ceil(size / 1024)} KiB.`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return refuse('malformed_json', `Not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('validation_failed', 'A line is one product: a JSON object.');
    const skus = lineSkus(value);
    const repeated = skus.find((sku) => skuLines.has(sku));
    if (repeated !== undefined) return refuse('duplicate_sku', `SKU ${repeated} is also on line ${skuLines.get(repeated)}: each SKU belongs to one product.`);
    for (const sku of skus) skuLines.set(sku, line);
    bytes += size;
    current.lines.push({ line, value });
  });
  flush();

  if (total === 0) throw new ValidationError('The file has no products.', [{ path: 'body', message: 'one product (a JSON object) per line' }]);
  if (total > MAX_IMPORT_LINES) {
    throw new ValidationError(`The file has ${total} lines; an import takes at most ${MAX_IMPORT_LINES}. Split it into several imports.`, [
      { path: 'body', message: `at most ${MAX_IMPORT_LINES} lines` },
    ]);
  }
  return { total, chunks };
}

/** The SKUs a line names (upper case, as SKUs are unique regardless of case), as far as its shape allows. */
function lineSkus(value: object): string[] {
  const variants = (value as { variants?: unknown }).variants;
  if (!Array.isArray(variants)) return [];
  const skus = variants
    .map((v) => (v as { sku?: unknown } | null)?.sku)
    .filter((s): s is string => typeof s === 'string')
    .map((s) => s.toUpperCase());
  return [...new Set(skus)];
}
