import { NotFoundError } from '#shared/errors';
import { pauseBeforeRetry } from '#shared/platform/deadline';
import { availabilityOf, DEFAULT_LOW_STOCK_THRESHOLD } from '#shared/inventory/stock';
import type { CatalogImportWriter, ImportedProduct, ImportQueue, ImportStore, ImportWrite, ShopCurrency, StockLevel } from './catalog-ports';
import type { StockLevels } from './catalog-projections';
import { ImportLineSchema } from './import.schema';
import { buildProduct, productProblems, type Product, type ProductDraft } from './product';
import { derivedProductId, importIdFor, importStatus, planImport, type ChunkOutcome, type ImportChunk, type ImportLineError, type ImportStatus } from './product-import';

/**
 * The merchant's bulk import (api.md: `POST …/admin/products/imports`). Starting one reads
 * the file into chunks and queues them; the worker writes a chunk at a time: a line whose
 * SKUs already belong to a product of the shop updates that product, any other line creates
 * one, new SKUs get counters with their initial count (and its ledger entry), and every
 * product is written with the availability of its SKUs, so nothing follows up per product.
 * Everything is keyed so that a redelivered chunk, a retried request or the same file
 * imported twice at once writes nothing twice and counts each line once.
 */
export interface StartImportDeps {
  readonly store: ImportStore;
  readonly queue: ImportQueue;
  readonly shopCurrency: ShopCurrency;
  readonly clock?: () => Date;
}

export function makeStartProductImport({ store, queue, shopCurrency, clock = () => new Date() }: StartImportDeps) {
  return async function startProductImport(input: { shopId: string; actor: string; requestKey: string; ndjson: string }): Promise<{ importId: string; status: 'running' }> {
    const currency = await shopCurrency(input.shopId);
    const plan = planImport(input.ndjson);
    const importId = importIdFor(input.shopId, input.actor, input.requestKey, input.ndjson);
    const record = await store.begin({ shopId: input.shopId, importId, actor: input.actor, startedAt: clock().toISOString(), total: plan.total, chunks: plan.chunks.length });
    // A retry of a request that died half-way sends every chunk again; the worker skips those already recorded.
    if (importStatus(record) === 'running') {
      await queue.send(plan.chunks.map((c, chunk) => ({ shopId: input.shopId, importId, chunk, currency, actor: record.actor, startedAt: record.startedAt, ...c })));
    }
    return { importId, status: 'running' };
  };
}

export function makeGetProductImport({ store }: { store: ImportStore }) {
  return async function getProductImport(shopId: string, importId: string) {
    const found = await store.get(shopId, importId);
    if (!found) throw new NotFoundError(`Import ${importId} does not exist in shop ${shopId}.`);
    const { record, errors } = found;
    const status: ImportStatus = importStatus(record);
    return { importId, status, total: record.total, created: record.created, updated: record.updated, failed: record.failed, errors, startedAt: record.startedAt };
  };
}

export interface ImportChunkDeps {
  readonly store: ImportStore;
  readonly writer: CatalogImportWriter;
  /** Inventory's levels of SKUs that have counters. */
  readonly stockLevels: StockLevels;
  readonly clock?: () => Date;
  /** Pause before a line that met a concurrent writer is planned again. */
  readonly pause?: (attempt: number) => Promise<void>;
}

interface Candidate {
  readonly line: number;
  readonly id?: string;
  readonly createdAt?: string;
  readonly draft: ProductDraft;
  readonly initialStock: Readonly<Record<string, number>>;
}

/** Rounds of planning and writing for lines that meet concurrent writers, before they are reported as conflicts. */
const MAX_ROUNDS = 5;

const upper = (sku: string) => sku.toUpperCase();
const jitter = async (round: number) => {
  await pauseBeforeRetry(round + 1, { baseMs: 50, maxMs: 50 * 2 ** MAX_ROUNDS });
};

export function makeImportProductChunk({ store, writer, stockLevels, clock = () => new Date(), pause = jitter }: ImportChunkDeps) {
  /** Valid lines become candidates; the others become errors. */
  function validate(chunk: ImportChunk, errors: ImportLineError[]): Candidate[] {
    const candidates: Candidate[] = [];
    for (const { line, value } of chunk.lines) {
      const parsed = ImportLineSchema.safeParse(value);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'line'}: ${issue.message}`);
        errors.push({ line, code: 'validation_failed', message: clip(fields.join('; ')) });
        continue;
      }
      const { id, createdAt, initialStock = {}, ...draft } = parsed.data;
      const problems = productProblems(draft, chunk.currency).map((p) => `${p.path}: ${p.message}`);
      const skus = new Set(draft.variants.map((v) => v.sku));
      for (const sku of Object.keys(initialStock)) if (!skus.has(sku)) problems.push(`initialStock.${sku}: not a SKU of this line`);
      if (problems.length > 0) {
        errors.push({ line, code: 'validation_failed', message: clip(problems.join('; ')) });
        continue;
      }
      candidates.push({ line, ...(id ? { id } : {}), ...(createdAt ? { createdAt } : {}), draft, initialStock });
    }
    return candidates;
  }

  return async function importProductChunk(chunk: ImportChunk, options: { lastAttempt?: boolean } = {}): Promise<ChunkOutcome | undefined> {
    const { shopId, importId } = chunk;
    if (await store.isChunkRecorded(shopId, importId, chunk.chunk)) return undefined;
    const errors: ImportLineError[] = [...chunk.rejected];
    const candidates = validate(chunk, errors);
    let outcome: ChunkOutcome;
    try {
      const written = await importCandidates(chunk, candidates, errors);
      outcome = { chunk: chunk.chunk, ...written, errors: sortByLine(errors), abandoned: false };
    } catch (error) {
      // After the queue's last delivery the chunk is given up and said so, rather than left running forever.
      if (!options.lastAttempt) throw error;
      const reason = clip(`The chunk could not be written (${(error as Error).message}); import these lines again.`);
      outcome = {
        chunk: chunk.chunk,
        created: 0,
        updated: 0,
        errors: sortByLine([...chunk.rejected, ...chunk.lines.map(({ line }) => ({ line, code: 'not_imported' as const, message: reason }))]),
        abandoned: true,
      };
    }
    await store.recordChunk(shopId, importId, outcome);
    return outcome;
  };

  async function importCandidates(chunk: ImportChunk, candidates: readonly Candidate[], errors: ImportLineError[]): Promise<{ created: number; updated: number }> {
    const context = { importId: chunk.importId, actor: chunk.actor, at: chunk.startedAt };
    let created = 0;
    let updated = 0;
    let pending = candidates;
    for (let round = 0; pending.length > 0 && round < MAX_ROUNDS; round++) {
      if (round > 0) await pause(round);
      const plan = await planRound(chunk, pending, round, errors);
      created += plan.unchangedCreated;
      updated += plan.unchangedUpdated;
      const results =
        plan.writes.length > 0
          ? await writer.write(
              chunk.shopId,
              plan.writes.map((w) => w.write),
              context,
            )
          : [];
      const retry: Candidate[] = [];
      plan.writes.forEach(({ candidate, write }, i) => {
        if (results[i] === 'conflict') retry.push(candidate);
        else if (write.previous) updated++;
        else created++;
      });
      pending = retry;
    }
    for (const candidate of pending) {
      errors.push({ line: candidate.line, code: 'conflict', message: 'Its SKUs or product kept being changed by another request while this import ran; import this line again.' });
    }
    return { created, updated };
  }

  /**
   * Decides what each line does: which product it is (the owner of its SKUs, else its own
   * or derived id), whether that product changes, and which counters it creates. The first
   * round assumes that a line whose first SKU has no claim is new, and that SKUs without a
   * claim have no counters (the usual case, written without more reads); later rounds, after
   * a conflict, read the claims, products and inventory's levels.
   */
  async function planRound(chunk: ImportChunk, candidates: readonly Candidate[], round: number, errors: ImportLineError[]) {
    const { shopId } = chunk;
    // First round: one SKU a line tells new lines (the usual case, planned as creates without
    // reading more) from known ones; a wrong guess fails a write condition and comes back.
    const firstSku = (c: Candidate) => c.draft.variants[0]!.sku;
    const probed = round === 0 ? await writer.skuOwners(shopId, candidates.map(firstSku)) : undefined;
    const fresh = new Set(probed ? candidates.filter((c) => !probed.has(upper(firstSku(c)))) : []);
    const known = candidates.filter((c) => !fresh.has(c));
    const owners =
      known.length > 0
        ? await writer.skuOwners(
            shopId,
            known.flatMap((c) => c.draft.variants.map((v) => v.sku)),
          )
        : new Map<string, string>();
    const targets: Array<{ candidate: Candidate; productId: string }> = [];
    const claimedBy = new Map<string, number>();
    for (const candidate of candidates) {
      const skus = candidate.draft.variants.map((v) => v.sku);
      const ownerIds = [...new Set(skus.map((sku) => owners.get(upper(sku))).filter((id): id is string => id !== undefined))];
      if (ownerIds.length > 1) {
        errors.push({ line: candidate.line, code: 'sku_conflict', message: clip(`Its SKUs belong to several products (${ownerIds.join(', ')}); a line updates one product.`) });
        continue;
      }
      const owner = ownerIds[0];
      if (owner && candidate.id && owner !== candidate.id) {
        const sku = skus.find((s) => owners.get(upper(s)) === owner);
        errors.push({ line: candidate.line, code: 'sku_taken', message: `SKU ${sku} belongs to product ${owner}, not ${candidate.id}.` });
        continue;
      }
      const productId = owner ?? candidate.id ?? derivedProductId(shopId, skus);
      const earlier = claimedBy.get(productId);
      if (earlier !== undefined) {
        errors.push({ line: candidate.line, code: 'duplicate_product', message: `Line ${earlier} of this file also imports product ${productId}.` });
        continue;
      }
      claimedBy.set(productId, candidate.line);
      targets.push({ candidate, productId });
    }

    const knownTargets = targets.filter((t) => !fresh.has(t.candidate)).map((t) => t.productId);
    const current = knownTargets.length > 0 ? await writer.products(shopId, knownTargets) : new Map<string, ImportedProduct>();
    const unclaimed = targets.flatMap(({ candidate }) => candidate.draft.variants.map((v) => v.sku).filter((sku) => !owners.has(upper(sku))));
    const counted = round > 0 && unclaimed.length > 0 ? await stockLevels(shopId, unclaimed) : new Map<string, StockLevel>();
    const now = clock().toISOString();
    const writes: Array<{ candidate: Candidate; write: ImportWrite }> = [];
    let unchangedCreated = 0;
    let unchangedUpdated = 0;
    for (const { candidate, productId } of targets) {
      const existing = current.get(productId);
      if (existing && unchanged(existing.product, candidate)) {
        // Already in this state: written by an earlier delivery of this chunk (created), or before (updated).
        if (existing.createdByImport === chunk.importId && existing.product.version === 1) unchangedCreated++;
        else unchangedUpdated++;
        continue;
      }
      const levels: Record<string, StockLevel> = {};
      const newStock: Array<{ sku: string; units: number; lowStockThreshold: number }> = [];
      for (const { sku } of candidate.draft.variants) {
        if (owners.has(upper(sku)) || existing?.levels[sku]) continue;
        const known = counted.get(sku);
        if (known) {
          levels[sku] = known;
          continue;
        }
        const units = candidate.initialStock[sku] ?? 0;
        newStock.push({ sku, units, lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD });
        levels[sku] = { level: availabilityOf(units, DEFAULT_LOW_STOCK_THRESHOLD), version: units > 0 ? 1 : 0 };
      }
      writes.push({ candidate, write: existing ? replaceWrite(existing, candidate, levels, newStock, now) : createWrite(shopId, productId, candidate, chunk.startedAt, levels, newStock, now) });
    }
    return { writes, unchangedCreated, unchangedUpdated };
  }
}

function createWrite(shopId: string, id: string, candidate: Candidate, startedAt: string, levels: Record<string, StockLevel>, newStock: ImportWrite['newStock'], now: string): ImportWrite {
  const product = buildProduct(candidate.draft, { id, shopId, createdAt: candidate.createdAt ?? startedAt, updatedAt: now, version: 1 });
  return { product, levels, newStock };
}

function replaceWrite(existing: ImportedProduct, candidate: Candidate, levels: Record<string, StockLevel>, newStock: ImportWrite['newStock'], now: string): ImportWrite {
  const previous = existing.product;
  const product = buildProduct(candidate.draft, { id: previous.id, shopId: previous.shopId, createdAt: candidate.createdAt ?? previous.createdAt, updatedAt: now, version: previous.version + 1 });
  return { previous, product, levels, newStock };
}

/** Whether the product already is what the line says (a re-import of the same file changes nothing). */
function unchanged(current: Product, candidate: Candidate): boolean {
  if (candidate.createdAt && Date.parse(candidate.createdAt) !== Date.parse(current.createdAt)) return false;
  const wanted = buildProduct(candidate.draft, { id: current.id, shopId: current.shopId, createdAt: current.createdAt, updatedAt: current.updatedAt, version: current.version });
  return canonical(wanted) === canonical(current);
}

/** JSON with sorted keys: stored maps come back in any order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const clip = (text: string, max = 500) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const sortByLine = (errors: readonly ImportLineError[]) => [...errors].sort((a, b) => a.line - b.line);
