import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machine, measure, median, ms, type LatencySummary } from './support';

/**
 * `npm run bench:search`: search, product page and category page latency of the local
 * stack with 20,000 products, through the HTTP gateway and in process, against a bare
 * Node HTTP server answering the same bytes (the same-run reference).
 *
 * The first --db-products products go through the real path (catalog use case → DynamoDB
 * Local → catalog stream → indexer); DynamoDB Local on this machine writes only a few
 * products a second, so the rest of the 20,000 are added to the same embedded index with
 * the documents the indexer builds (catalog-views.searchDocument). Product and category
 * pages read the products stored in DynamoDB.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '20000' },
    'db-products': { type: 'string', default: '400' },
    requests: { type: 'string', default: '1500' },
    repetitions: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results/search.md' },
  },
});
const total = Number(values.products);
const inDb = Math.min(total, Number(values['db-products']));
const requests = Number(values.requests);
const repetitions = Number(values.repetitions);
const shopId = 'demo';
const log = (line: string) => console.log(line);

const { startPlatform } = await import('../bin/local/platform');
log(`Starting the local stack in memory…`);
const platform = await startPlatform({ port: 0, throttling: false, logLevel: 'ERROR', namePrefix: 'bench-', ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}) });
try {
  const { seedDemoShop } = await import('../bin/local/demo-shop');
  await seedDemoShop({ products: inDb, apiUrl: platform.url, log });
  const [{ embeddedIndex }, { generateDemoCatalog }, { buildProduct }, { searchDocument }, { availabilityOf, DEFAULT_LOW_STOCK_THRESHOLD }, { makeSearchCatalog }] = await Promise.all([
    import('#shared/adapters/search/search-index-factory'),
    import('../bin/local/demo-catalog'),
    import('#shared/catalog/product'),
    import('#shared/catalog/catalog-views'),
    import('#shared/inventory/stock'),
    import('#shared/catalog/search-catalog'),
  ]);
  const index = embeddedIndex();
  log(`Waiting for the catalog stream to index the ${inDb} stored products…`);
  while (index.size(shopId) < inDb) await new Promise((r) => setTimeout(r, 250));
  await platform.idle();
  log(`Indexing products ${inDb + 1}-${total} directly…`);
  const heapBefore = process.memoryUsage().heapUsed;
  const indexStarted = performance.now();
  const batch = [];
  for (const item of generateDemoCatalog({ count: total, start: inDb })) {
    const product = buildProduct(item.draft, { id: item.id, shopId, createdAt: item.createdAt, updatedAt: item.createdAt, version: 1 });
    const availability = Object.fromEntries(product.variants.map((v) => [v.sku, availabilityOf(item.stock[v.sku] ?? 0, DEFAULT_LOW_STOCK_THRESHOLD)]));
    batch.push(searchDocument({ product, availability }));
    if (batch.length === 500) await index.upsert(batch.splice(0));
  }
  await index.upsert(batch);
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  log(`  ${index.size(shopId)} products in the index (${indexSeconds.toFixed(1)} s, heap +${heapMb.toFixed(0)} MB)`);

  // A mix of what shoppers send: free text naming attributes, text with filters, browsing with facets.
  const queries = [
    'q=blue+running+shoes+size+10',
    'q=waterproof+hiking+boots&sort=rating',
    'q=black+hoodie&size=M',
    'q=trail+running&inStock=true&priceMax=15000',
    'q=wool+socks',
    'q=rain+jacket&color=navy',
    'q=backpack&sort=price_asc',
    'q=yoga+mat',
    'q=stridewell',
    'q=light+tee&pageSize=20',
    'category=running-shoes',
    'category=jackets&inStock=true&sort=price_desc',
    'category=t-shirts&color=white&size=L',
    'priceMin=5000&priceMax=10000&ratingMin=4',
    'sort=newest&pageSize=50',
    'q=sneakers&page=2',
  ].map((q) => `/v1/shops/${shopId}/search?${q}`);
  const searchCatalog = makeSearchCatalog({ index });
  const inProcessRequests = queries.map((path) => {
    const params = new URLSearchParams(path.split('?')[1]);
    return {
      shopId,
      ...(params.get('q') ? { q: params.get('q')! } : {}),
      ...(params.get('category') ? { category: params.get('category')! } : {}),
      ...(params.get('color') ? { color: params.get('color')! } : {}),
      ...(params.get('size') ? { size: params.get('size')! } : {}),
      ...(params.get('priceMin') ? { priceMin: Number(params.get('priceMin')) } : {}),
      ...(params.get('priceMax') ? { priceMax: Number(params.get('priceMax')) } : {}),
      ...(params.get('ratingMin') ? { ratingMin: Number(params.get('ratingMin')) } : {}),
      inStock: params.get('inStock') === 'true',
      sort: (params.get('sort') ?? 'relevance') as 'relevance',
      page: Number(params.get('page') ?? 1),
      pageSize: Number(params.get('pageSize') ?? 10),
    };
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${platform.url}${path}`, { headers });
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${path}: ${res.status}`);
    return res;
  };
  const first = (await (await fetch(`${platform.url}${queries[0]}`)).json()) as { hits: Array<{ title: string; sku: string }>; total: number };
  log(`  "blue running shoes size 10": ${first.total} results; first: ${first.hits[0]?.title} (${first.hits[0]?.sku})`);

  // The reference: a bare Node HTTP server answering a search response's bytes.
  const sample = Buffer.from(await (await fetch(`${platform.url}${queries[3]}`)).arrayBuffer());
  const bare = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(sample));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

  const { products } = await import('#functions/catalog/catalog-wiring');
  const cache = (await import('#functions/catalog/catalog-wiring')).catalogCache();
  const stored: string[] = [];
  for await (const page of products().scanAll()) stored.push(...page.map((p) => p.product.id));
  const categories = [...new Set((await searchCatalog({ shopId, sort: 'relevance', page: 1, pageSize: 1 })).facets.category.map((c) => c.value))];

  const { HttpLoad } = await import('./http-client');
  const load = new HttpLoad();
  const urls = (paths: readonly string[]) => paths.map((path) => `${platform.url}${path}`);
  const hot = urls(stored.slice(0, 50).map((id) => `/v1/shops/${shopId}/products/${id}`));
  const categoryUrls = urls(categories.map((c) => `/v1/shops/${shopId}/categories/${c}?limit=20`));
  for (const warm of [hot, categoryUrls]) await load.run({ urls: warm, count: warm.length, concurrency: 1 });

  const cases: Array<[string, () => Promise<LatencySummary>]> = [
    ['search, in process (use case + embedded index)', () => measure(requests, 1, (i) => searchCatalog(inProcessRequests[i % inProcessRequests.length]!))],
    [
      'search, in process, text-score cache cleared each time',
      () =>
        measure(Math.min(requests, 400), 1, (i) => {
          index.clearTextCache();
          return searchCatalog(inProcessRequests[i % inProcessRequests.length]!);
        }),
    ],
    ['search, through the gateway, 1 client', () => load.run({ urls: urls(queries), count: requests, concurrency: 1 })],
    ['search, through the gateway, 8 clients', () => load.run({ urls: urls(queries), count: requests, concurrency: 8 })],
    ['bare Node HTTP server, same bytes, 1 client', () => load.run({ urls: [bareUrl], count: requests, concurrency: 1 })],
    ['product page, cache hit', () => load.run({ urls: hot, count: requests, concurrency: 1 })],
    [
      'product page, cache miss',
      async () => {
        const n = Math.min(requests, stored.length * 3, 600);
        return measure(n, 1, async (i) => {
          const id = stored[i % stored.length]!;
          await cache.invalidate(shopId, { productIds: [id] });
          return get(`/v1/shops/${shopId}/products/${id}`);
        });
      },
    ],
    ['category page (20 items), cache hit', () => load.run({ urls: categoryUrls, count: requests, concurrency: 1 })],
    [
      'category page (20 items), cache miss',
      () =>
        measure(Math.min(requests, 600), 1, async (i) => {
          const category = categories[i % categories.length]!;
          await cache.invalidate(shopId, { categories: [category] });
          return get(`/v1/shops/${shopId}/categories/${category}?limit=20`);
        }),
    ],
  ];

  const runs = new Map<string, LatencySummary[]>();
  for (let r = 1; r <= repetitions; r++) {
    log(`Repetition ${r}/${repetitions}`);
    for (const [name, run] of cases) {
      const summary = await run();
      runs.set(name, [...(runs.get(name) ?? []), summary]);
      log(`  ${name.padEnd(48)} p50 ${ms(summary.p50).padStart(9)}  p99 ${ms(summary.p99).padStart(9)}  ${summary.perSecond.toFixed(0).padStart(6)}/s`);
    }
  }
  bare.close();
  await load.close();

  const row = (name: string) => {
    const list = runs.get(name)!;
    const p50 = median(list.map((s) => s.p50));
    const p99 = list.map((s) => s.p99);
    return `| ${name} | ${ms(p50)} | ${ms(median(p99))} (${ms(Math.min(...p99))} – ${ms(Math.max(...p99))}) | ${median(list.map((s) => s.perSecond)).toFixed(0)} |`;
  };
  const searchP99 = median(runs.get('search, through the gateway, 1 client')!.map((s) => s.p99));
  const bareP99 = median(runs.get('bare Node HTTP server, same bytes, 1 client')!.map((s) => s.p99));
  const hitP99 = median(runs.get('product page, cache hit')!.map((s) => s.p99));
  const report = [
    `# bench:search`,
    ``,
    `${new Date().toISOString()} · ${machine()}`,
    ``,
    `Load from a worker thread (its own event loop and heap); the platform (gateway, handlers, stream pollers, embedded index) runs in the main thread. ${index.size(shopId)} products indexed (${inDb} stored in DynamoDB Local and indexed from the catalog stream, the rest indexed directly); ${requests} requests per case, ${repetitions} repetitions; median p50, median p99 (min – max over repetitions), median throughput.`,
    ``,
    `| case | p50 | p99 | req/s |`,
    `|---|---|---|---|`,
    ...cases.map(([name]) => row(name)),
    ``,
    `Goals: search p99 through the gateway under 50 ms: ${searchP99 < 50 ? 'met' : 'NOT met'} (${ms(searchP99)}); cached product page p99 under 5 ms: ${hitP99 < 5 ? 'met' : 'NOT met'} (${ms(hitP99)}).`,
    `Same-run reference: search p99 through the gateway is ${(searchP99 / bareP99).toFixed(1)}× the bare server's p99 for the same bytes; the cached product page's p99 is ${(hitP99 / bareP99).toFixed(1)}× it.`,
    `Embedded index: ${index.size(shopId)} products in ${indexSeconds.toFixed(1)} s, heap +${heapMb.toFixed(0)} MB.`,
    `"blue running shoes size 10": ${first.total} results, first ${first.hits[0]?.title} (${first.hits[0]?.sku}).`,
    ``,
  ].join('\n');
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(values.out, report);
  log(`\n${report}\nWritten to ${values.out}`);
} finally {
  await platform.stop();
}
process.exit(0);
