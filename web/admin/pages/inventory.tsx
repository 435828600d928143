import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, idempotencyKey, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, dateTime, ProblemAlert, run } from '../ui';

type Stock = components['schemas']['Stock'];
type LedgerEntry = components['schemas']['LedgerEntry'];
type Reason = components['schemas']['Adjustment']['reason'];
const LEDGER_PAGE = 10;
const REASONS: readonly { value: Reason; label: string }[] = [
  { value: 'restock', label: 'Restock' },
  { value: 'count_correction', label: 'Count correction' },
  { value: 'shrinkage', label: 'Shrinkage (lost or damaged)' },
];

/** Inventory of one SKU: its counters, adjustments (Idempotency-Key) and its ledger, newest first. */
export function Inventory({ config, sku }: { config: WebConfig; sku?: string }) {
  const { route } = useLocation();
  const [text, setText] = useState(sku ?? '');
  return (
    <section>
      <h1>Inventory{sku ? ` of ${sku}` : ''}</h1>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim()) route(`/admin/inventory/${encodeURIComponent(text.trim())}`);
        }}
      >
        <label>
          SKU <input name="sku" required value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">Show stock</button>
      </form>
      {!sku && <p class="hint">Enter a SKU, or open one from a product’s variants.</p>}
      {sku && <SkuStock key={sku} config={config} sku={sku} />}
    </section>
  );
}

function SkuStock({ config, sku }: { config: WebConfig; sku: string }) {
  const [stock, setStock] = useState<Stock>();
  const [problem, setProblem] = useState<Problem>();
  /** Bumped after an adjustment: the ledger reads its first page again. */
  const [revision, setRevision] = useState(0);
  useEffect(() => {
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/admin/inventory/{sku}', {
        signal,
        params: { path: { shopId: config.shopId, sku } },
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : (setProblem(undefined), setStock(r.data))));
  }, [config.shopId, sku]);
  if (problem) return <ProblemAlert problem={problem} context={`The stock of ${sku} could not be read`} />;
  if (!stock) return <Busy />;
  return (
    <>
      <section aria-labelledby="counters" class="panel">
        <h2 id="counters">Counters</h2>
        <dl class="counters">
          <div>
            <dt>On hand</dt>
            <dd data-counter="onHand">{stock.onHand}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd data-counter="available">{stock.available}</dd>
          </div>
          <div>
            <dt>Reserved</dt>
            <dd data-counter="reserved">{stock.reserved}</dd>
          </div>
          <div>
            <dt>Sold, not shipped</dt>
            <dd data-counter="sold">{stock.sold}</dd>
          </div>
          <div>
            <dt>Low-stock threshold</dt>
            <dd>{stock.lowStockThreshold}</dd>
          </div>
        </dl>
      </section>
      <Adjust
        config={config}
        sku={sku}
        onDone={(next) => {
          setStock(next);
          setRevision(revision + 1);
        }}
      />
      <Ledger key={revision} config={config} sku={sku} />
    </>
  );
}

function Adjust({ config, sku, onDone }: { config: WebConfig; sku: string; onDone: (stock: Stock) => void }) {
  const [reason, setReason] = useState<Reason>('restock');
  const [units, setUnits] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [done, setDone] = useState<string>();
  const [sending, setSending] = useState(false);
  /** One key per adjustment, kept until it is answered: sending again after a lost answer does not count it twice. */
  const [key, setKey] = useState(idempotencyKey());

  async function submit(event: Event) {
    event.preventDefault();
    setDone(undefined);
    const count = Number(units);
    if (!Number.isInteger(count) || count === 0) return setProblem({ status: 400, code: 'validation_failed', detail: 'Enter a whole number of units other than 0.' });
    // Shrinkage removes units: the merchant types how many were lost.
    const delta = reason === 'shrinkage' ? -Math.abs(count) : reason === 'restock' ? Math.abs(count) : count;
    setSending(true);
    const result = await run((signal) =>
      api.POST('/v1/shops/{shopId}/admin/inventory/{sku}/adjustments', {
        signal,
        params: { path: { shopId: config.shopId, sku }, header: { 'idempotency-key': key } },
        body: { delta, reason, ...(note.trim() ? { note: note.trim() } : {}) },
      }),
    );
    setSending(false);
    if (result.problem) {
      // A refusal is final for this key; a lost answer keeps it for the retry.
      if (result.problem.status !== 0 && result.problem.status < 500) setKey(idempotencyKey());
      return setProblem(result.problem);
    }
    setProblem(undefined);
    setKey(idempotencyKey());
    setUnits('');
    setNote('');
    setDone(`Recorded: ${delta > 0 ? '+' : ''}${delta} (${reason.replace(/_/g, ' ')}).`);
    onDone(result.data);
  }

  return (
    <form onSubmit={(event) => void submit(event)} class="panel adjust-form" aria-labelledby="adjust">
      <h2 id="adjust">Adjust stock</h2>
      <label for="adjust-reason">Reason</label>
      <select id="adjust-reason" name="reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as Reason)}>
        {REASONS.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      <label>
        Units {reason === 'count_correction' ? '(negative to remove)' : reason === 'shrinkage' ? 'lost' : 'received'}{' '}
        <input name="units" type="number" step={1} required value={units} onInput={(e) => setUnits(e.currentTarget.value)} />
      </label>
      <label>
        Note <input name="note" maxLength={200} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={sending}>
        Record adjustment
      </button>
      <ProblemAlert problem={problem} context="The adjustment was refused" />
      {done && <p role="status">{done}</p>}
    </form>
  );
}

function Ledger({ config, sku }: { config: WebConfig; sku: string }) {
  /** Cursors of the pages seen so far: the first is undefined (the newest page). */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: LedgerEntry[]; nextCursor?: string }>();
  const [problem, setProblem] = useState<Problem>();
  const cursor = cursors.at(-1);
  useEffect(() => {
    setPage(undefined);
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/admin/inventory/{sku}/ledger', {
        signal,
        params: { path: { shopId: config.shopId, sku }, query: { limit: LEDGER_PAGE, ...(cursor ? { cursor } : {}) } },
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : (setProblem(undefined), setPage(r.data))));
  }, [config.shopId, sku, cursor]);
  const signed = (n: number) => (n > 0 ? `+${n}` : n === 0 ? '0' : String(n));
  return (
    <section aria-labelledby="ledger" class="panel">
      <h2 id="ledger">Ledger</h2>
      <ProblemAlert problem={problem} context="The ledger could not be read" />
      {!page && !problem && <Busy />}
      {page && page.items.length === 0 && <p>No movements yet.</p>}
      {page && page.items.length > 0 && (
        <table>
          <caption class="visually-hidden">Movements of {sku}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Movement</th>
              <th scope="col">Reason</th>
              <th scope="col">On hand</th>
              <th scope="col">Available</th>
              <th scope="col">Reserved</th>
              <th scope="col">Sold</th>
              <th scope="col">By</th>
              <th scope="col">Reference / note</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((entry, index) => (
              <tr key={`${entry.at}-${index}`}>
                <td>{dateTime(entry.at)}</td>
                <td>{entry.type}</td>
                <td>{entry.reason.replace(/_/g, ' ')}</td>
                <td>{signed(entry.delta.onHand)}</td>
                <td>{signed(entry.delta.available)}</td>
                <td>{signed(entry.delta.reserved)}</td>
                <td>{signed(entry.delta.sold)}</td>
                <td>{entry.actor}</td>
                <td>{[entry.reference, entry.note].filter(Boolean).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Pages of the ledger" class="pager">
        {cursors.length > 1 && (
          <button type="button" class="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer movements
          </button>
        )}
        {page?.nextCursor && (
          <button type="button" class="secondary" onClick={() => setCursors([...cursors, page.nextCursor])}>
            Older movements
          </button>
        )}
      </nav>
    </section>
  );
}
