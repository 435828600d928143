import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type components } from '../../api-client/client';
import type { Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, money, ProblemAlert, run } from '../ui';

type Results = components['schemas']['SearchResults'];
const PAGE_SIZE = 20;

/**
 * The shop's products, newest first, from search (the API has no other list of products): a
 * product appears here once the search index has it, a few seconds after it is saved.
 */
export function Products({ config }: { config: WebConfig }) {
  const { query, route } = useLocation();
  const q = query.q ?? '';
  const page = Math.max(1, Number(query.page) || 1);
  const [results, setResults] = useState<Results>();
  const [problem, setProblem] = useState<Problem>();
  const [text, setText] = useState(q);
  useEffect(() => {
    setResults(undefined);
    // Search answers are cacheable for 30 s (for shoppers): the console revalidates, to list what was just saved.
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/search', {
        signal,
        params: { path: { shopId: config.shopId }, query: { ...(q ? { q } : { sort: 'newest' }), page, pageSize: PAGE_SIZE } },
        cache: 'no-cache',
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : (setProblem(undefined), setResults(r.data))));
  }, [config.shopId, q, page]);
  const link = (p: number) => `/admin/products?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) }).toString()}`;
  return (
    <section>
      <h1>Products</h1>
      <p class="actions">
        <a class="button" href="/admin/products/new">
          New product
        </a>{' '}
        <a href="/admin/products/imports">Bulk import</a>
      </p>
      <form
        role="search"
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          route(text.trim() ? `/admin/products?q=${encodeURIComponent(text.trim())}` : '/admin/products');
        }}
      >
        <label>
          Find products <input type="search" name="q" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">Find</button>
      </form>
      <ProblemAlert problem={problem} context="The products could not be listed" />
      {!results && !problem && <Busy />}
      {results && (
        <>
          <p>
            {results.total} product{results.total === 1 ? '' : 's'}
            {q ? ` matching “${q}”` : ', newest first'}.
          </p>
          <table>
            <caption class="visually-hidden">Products</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Brand</th>
                <th scope="col">Category</th>
                <th scope="col">Price</th>
                <th scope="col">Availability</th>
                <th scope="col">Stock of its SKU</th>
              </tr>
            </thead>
            <tbody>
              {results.hits.map((hit) => (
                <tr key={hit.productId}>
                  <td>
                    <a href={`/admin/products/${encodeURIComponent(hit.productId)}`}>{hit.title}</a>
                  </td>
                  <td>{hit.brand}</td>
                  <td>{hit.category}</td>
                  <td>{money(hit.price)}</td>
                  <td>{hit.availability.replace(/_/g, ' ')}</td>
                  <td>
                    <a href={`/admin/inventory/${encodeURIComponent(hit.sku)}`} aria-label={`Stock of ${hit.sku}`}>
                      {hit.sku}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages of products" class="pager">
            {page > 1 && <a href={link(page - 1)}>Previous page</a>}
            {page * results.pageSize < results.total && <a href={link(page + 1)}>Next page</a>}
          </nav>
        </>
      )}
    </section>
  );
}
