import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, problemOf, type components, type operations } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { money } from '../shop/format';
import { ProductList } from '../shop/product-list';

type Results = components['schemas']['SearchResults'];
const LISTS = ['category', 'brand', 'color', 'size'] as const;
const SORTS = { relevance: 'Best match', price_asc: 'Price, low to high', price_desc: 'Price, high to low', rating: 'Best rated', newest: 'Newest' } as const;
const PAGE_SIZE = 24;

/** Search with facets: the API ranks (its order is kept), facets narrow, the URL holds it all. */
export function Search({ config }: { config: WebConfig }) {
  const { query, route } = useLocation();
  const [results, setResults] = useState<Results>();
  const [error, setError] = useState<string>();
  const q = query.q ?? '';
  const selected = (name: string) => (query[name] ? query[name].split(',').filter(Boolean) : []);
  const page = Math.max(1, Number(query.page) || 1);
  const sort = (query.sort && query.sort in SORTS ? query.sort : 'relevance') as keyof typeof SORTS;

  useEffect(() => {
    setError(undefined);
    const params: NonNullable<operations['searchCatalog']['parameters']['query']> = { page, pageSize: PAGE_SIZE, sort };
    if (q) params.q = q;
    for (const name of LISTS) if (query[name]) params[name] = query[name];
    if (query.priceMin) params.priceMin = Number(query.priceMin);
    if (query.priceMax) params.priceMax = Number(query.priceMax);
    if (query.ratingMin) params.ratingMin = Number(query.ratingMin);
    if (query.inStock === 'true') params.inStock = 'true';
    let live = true;
    api.GET('/v1/shops/{shopId}/search', { params: { path: { shopId: config.shopId }, query: params } }).then(
      ({ data, error: failure, response }) => {
        if (!live) return;
        if (data) setResults(data);
        else setError(describeProblem(problemOf(failure, response)));
      },
      () => live && setError(describeProblem({ status: 0, code: 'network' })),
    );
    return () => {
      live = false;
    };
  }, [config.shopId, JSON.stringify(query)]);

  const go = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...query, page: undefined, ...changes })) if (value) next.set(key, value);
    route(`/search?${next.toString()}`);
  };
  const toggle = (name: string, value: string) => {
    const values = selected(name);
    go({ [name]: (values.includes(value) ? values.filter((v) => v !== value) : [...values, value]).join(',') });
  };
  const priceKey = `${query.priceMin ?? ''}-${query.priceMax ?? ''}`;

  return (
    <section class="search-page">
      <h1>{q ? `Results for “${q}”` : 'All products'}</h1>
      {error && <p role="alert">{error}</p>}
      {results && (
        <div class="with-facets">
          <form aria-label="Filters" class="facets" onSubmit={(event) => event.preventDefault()}>
            <h2>Filter</h2>
            {LISTS.map((name) =>
              results.facets[name].length || selected(name).length ? (
                <fieldset key={name}>
                  <legend>{name[0]!.toUpperCase() + name.slice(1)}</legend>
                  {results.facets[name].map((facet) => (
                    <label key={facet.value}>
                      <input type="checkbox" checked={selected(name).includes(facet.value)} onChange={() => toggle(name, facet.value)} /> {facet.value} ({facet.count})
                    </label>
                  ))}
                </fieldset>
              ) : null,
            )}
            {results.facets.price.length > 0 && (
              <fieldset>
                <legend>Price</legend>
                <label>
                  <input type="radio" name="price" checked={priceKey === '-'} onChange={() => go({ priceMin: undefined, priceMax: undefined })} /> Any price
                </label>
                {results.facets.price.map((range) => (
                  <label key={range.from}>
                    <input
                      type="radio"
                      name="price"
                      checked={priceKey === `${range.from || ''}-${range.to ?? ''}`}
                      onChange={() => go({ priceMin: range.from ? String(range.from) : undefined, priceMax: range.to === undefined ? undefined : String(range.to) })}
                    />{' '}
                    {range.to === undefined
                      ? `${money({ amount: range.from, currency: results.hits[0]?.price.currency ?? 'USD' })} and up`
                      : `${money({ amount: range.from, currency: results.hits[0]?.price.currency ?? 'USD' })} to ${money({ amount: range.to, currency: results.hits[0]?.price.currency ?? 'USD' })}`}{' '}
                    ({range.count})
                  </label>
                ))}
              </fieldset>
            )}
            <fieldset>
              <legend>Availability</legend>
              <label>
                <input type="checkbox" checked={query.inStock === 'true'} onChange={() => go({ inStock: query.inStock === 'true' ? undefined : 'true' })} /> In stock only
              </label>
            </fieldset>
          </form>
          <div>
            <p class="summary" aria-live="polite">
              {results.total} {results.total === 1 ? 'result' : 'results'}
              <label class="sort">
                Sort by{' '}
                <select value={sort} onChange={(event) => go({ sort: event.currentTarget.value === 'relevance' ? undefined : event.currentTarget.value })}>
                  {Object.entries(SORTS).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            </p>
            {results.hits.length ? <ProductList items={results.hits} label="Search results" /> : <p>Nothing matches. Try fewer words or filters.</p>}
            <nav aria-label="Pages" class="pager">
              {page > 1 && (
                <button type="button" onClick={() => go({ page: String(page - 1) })}>
                  Previous page
                </button>
              )}
              {page * results.pageSize < results.total && (
                <button type="button" onClick={() => go({ page: String(page + 1) })}>
                  Next page
                </button>
              )}
            </nav>
          </div>
        </div>
      )}
      {!results && !error && <p aria-busy="true">Searching…</p>}
    </section>
  );
}
