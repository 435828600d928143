import { useEffect, useState } from 'preact/hooks';
import { api, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, money, ProblemAlert, run } from '../ui';
import { OrderList } from './orders';

type Hit = components['schemas']['SearchResults']['hits'][number];
/** How many of the newest products the low-stock panel looks at (search answers availability per product). */
const SCAN = 50;

/** The console's first page: orders waiting for the warehouse, products running low, and the way to everything else. */
export function Overview({ config }: { config: WebConfig }) {
  return (
    <section>
      <h1>Shop {config.shopId}</h1>
      <nav aria-label="Shortcuts" class="shortcuts">
        <a href="/admin/products/new">New product</a>
        <a href="/admin/products/imports">Bulk import</a>
        <a href="/admin/inventory">Stock of a SKU</a>
        <a href="/admin/orders?status=CONFIRMED">Orders to pick</a>
        <a href="/admin/flash-sales">Flash sales</a>
        {config.inboxUrl && (
          <a href={config.inboxUrl} target="_blank" rel="noreferrer">
            Email inbox (local)
          </a>
        )}
      </nav>
      <div class="columns">
        <section aria-labelledby="to-pick" class="panel">
          <h2 id="to-pick">Recent orders to pick</h2>
          <OrderList config={config} status="CONFIRMED" limit={5} paged={false} />
          <a href="/admin/orders?status=CONFIRMED">All confirmed orders</a>
        </section>
        <section aria-labelledby="to-ship" class="panel">
          <h2 id="to-ship">Picked, to ship</h2>
          <OrderList config={config} status="PICKED" limit={5} paged={false} />
          <a href="/admin/orders?status=PICKED">All picked orders</a>
        </section>
      </div>
      <LowStock config={config} />
    </section>
  );
}

function LowStock({ config }: { config: WebConfig }) {
  const [hits, setHits] = useState<Hit[]>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/search', {
        signal,
        params: { path: { shopId: config.shopId }, query: { sort: 'newest', pageSize: SCAN } },
        cache: 'no-cache',
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : setHits(r.data.hits.filter((h) => h.availability !== 'in_stock'))));
  }, [config.shopId]);
  return (
    <section aria-labelledby="low-stock" class="panel">
      <h2 id="low-stock">Low or out of stock</h2>
      <p class="hint">Among the {SCAN} newest products.</p>
      <ProblemAlert problem={problem} context="Stock levels could not be read" />
      {!hits && !problem && <Busy />}
      {hits && hits.length === 0 && <p>Every one of them is in stock.</p>}
      {hits && hits.length > 0 && (
        <ul>
          {hits.map((hit) => (
            <li key={hit.productId}>
              <a href={`/admin/products/${encodeURIComponent(hit.productId)}`}>{hit.title}</a> ({money(hit.price)}): {hit.availability.replace(/_/g, ' ')} ·{' '}
              <a href={`/admin/inventory/${encodeURIComponent(hit.sku)}`}>stock of {hit.sku}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
