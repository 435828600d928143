/**
 * The embedded search engine lives in memory: at start, it is rebuilt from the catalog
 * table (the authoritative store), then the catalog stream keeps it current.
 */
export async function rebuildEmbeddedSearch(): Promise<number> {
  const [{ embeddedIndex }, { products }, { searchDocument }] = await Promise.all([
    import('#shared/adapters/search/search-index-factory'),
    import('#functions/catalog/catalog-wiring'),
    import('#shared/catalog/catalog-views'),
  ]);
  const index = embeddedIndex();
  let count = 0;
  for await (const batch of products().scanAll()) {
    await index.upsert(batch.map(searchDocument));
    count += batch.length;
  }
  return count;
}
