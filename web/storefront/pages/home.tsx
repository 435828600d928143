import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { ProductList, type Listed } from '../shop/product-list';

/** The shop's front page: its categories (from the search facets) and its best-rated products. */
export function Home({ config }: { config: WebConfig }) {
  const [categories, setCategories] = useState<readonly { value: string; count: number }[]>();
  const [products, setProducts] = useState<readonly Listed[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api.GET('/v1/shops/{shopId}/search', { params: { path: { shopId: config.shopId }, query: { sort: 'rating', pageSize: 8, inStock: 'true' } } }).then(
      ({ data }) => {
        if (!data) return setError('The catalog could not be loaded. Try again in a moment.');
        setCategories(data.facets.category);
        setProducts(data.hits);
      },
      () => setError('The shop could not be reached. Check your connection and try again.'),
    );
  }, [config.shopId]);
  return (
    <section>
      <h1>Welcome to {config.shopId === 'demo' ? 'Demo Outfitters' : config.shopId}</h1>
      {error && <p role="alert">{error}</p>}
      {categories && categories.length > 0 && (
        <nav aria-label="Categories">
          <h2>Shop by category</h2>
          <ul class="chips">
            {categories.map((category) => (
              <li key={category.value}>
                <a href={`/categories/${encodeURIComponent(category.value)}`}>
                  {category.value} <span class="count">({category.count})</span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {products && (
        <>
          <h2>Best rated</h2>
          {products.length ? <ProductList items={products} label="Best rated" /> : <p>The catalog is empty for now.</p>}
        </>
      )}
      {!error && !products && <p aria-busy="true">Loading the catalog…</p>}
    </section>
  );
}
