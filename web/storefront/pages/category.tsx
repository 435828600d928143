import { useEffect, useState } from 'preact/hooks';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { ProductList } from '../shop/product-list';

type Item = components['schemas']['CategoryPage']['items'][number];

/** A category's listing (best rated, then newest), a page at a time. */
export function Category({ config, category }: { config: WebConfig; category: string }) {
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const load = (from: string | undefined, reset: boolean) => {
    setLoading(true);
    api.GET('/v1/shops/{shopId}/categories/{category}', { params: { path: { shopId: config.shopId, category }, query: { limit: 24, ...(from ? { cursor: from } : {}) } } }).then(
      ({ data, error: failure, response }) => {
        setLoading(false);
        if (!data) return setError(describeProblem(problemOf(failure, response)));
        setItems((before) => (reset ? data.items : [...before, ...data.items]));
        setCursor(data.nextCursor);
      },
      () => {
        setLoading(false);
        setError(describeProblem({ status: 0, code: 'network' }));
      },
    );
  };
  useEffect(() => load(undefined, true), [config.shopId, category]);
  return (
    <section>
      <h1>{category}</h1>
      {error && <p role="alert">{error}</p>}
      {items.length > 0 && <ProductList items={items} label={`Products in ${category}`} />}
      {!loading && !error && items.length === 0 && <p>No products in this category yet.</p>}
      {loading && <p aria-busy="true">Loading…</p>}
      {cursor && !loading && (
        <button type="button" onClick={() => load(cursor, false)}>
          Show more
        </button>
      )}
    </section>
  );
}
