import { useEffect, useState } from 'preact/hooks';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';

type ListedSale = components['schemas']['ListedFlashSale'];

/** The shop's sales, newest first (`GET …/admin/flash-sales`), each linking to its dashboard. */
export function SaleList({ shopId }: { shopId: string }) {
  const [sales, setSales] = useState<ListedSale[]>();
  const [cursor, setCursor] = useState<string>();
  const [failure, setFailure] = useState<string>();
  /** The status the sale's own read answers (sold out needs the gate, which the list does not read). */
  const [read, setRead] = useState<Record<string, string>>({});

  const load = async (after?: string) => {
    const { data, error, response } = await api.GET('/v1/shops/{shopId}/admin/flash-sales', { params: { path: { shopId }, query: { limit: 20, ...(after ? { cursor: after } : {}) } } });
    if (!data) return setFailure(describeProblem(problemOf(error, response)));
    setFailure(undefined);
    setSales((before) => [...(after ? (before ?? []) : []), ...data.items]);
    setCursor(data.nextCursor);
    // The list's status is the clock's: a live sale may be sold out. Its own read (the public GET, one per live sale shown) says so.
    for (const sale of data.items.filter((item) => item.status === 'live')) {
      api.GET('/v1/shops/{shopId}/flash-sales/{saleId}', { params: { path: { shopId, saleId: sale.saleId } } }).then(
        ({ data: own }) => own && setRead((before) => ({ ...before, [sale.saleId]: own.status })),
        () => undefined, // the list's status stays
      );
    }
  };
  useEffect(() => {
    load().catch(() => setFailure('The shop could not be reached. Reload to try again.'));
  }, [shopId]);

  return (
    <section aria-labelledby="sales-title">
      <h2 id="sales-title">Sales</h2>
      {failure && <p role="alert">{failure}</p>}
      {!sales && !failure && <p aria-busy="true">Loading…</p>}
      {sales?.length === 0 && <p>No flash sale yet: create one below.</p>}
      {sales && sales.length > 0 && (
        <table class="sales">
          <caption>Newest first</caption>
          <thead>
            <tr>
              <th scope="col">Sale</th>
              <th scope="col">SKU</th>
              <th scope="col">Units</th>
              <th scope="col">Starts</th>
              <th scope="col">Ends</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {sales.map((sale) => (
              <tr key={sale.saleId}>
                <td>
                  <a href={`/admin/flash-sales/${encodeURIComponent(sale.saleId)}`}>{sale.saleId}</a>
                </td>
                <td>{sale.sku}</td>
                <td>{sale.units}</td>
                <td>{new Date(sale.startsAt).toLocaleString()}</td>
                <td>{new Date(sale.endsAt).toLocaleString()}</td>
                <td>{(read[sale.saleId] ?? sale.status).replace('_', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          More sales
        </button>
      )}
    </section>
  );
}
