import { config } from '#shared/config';
import type { SearchIndex } from '#shared/catalog/search-index';
import { openSearchClient } from '../opensearch/client';
import { openSearchIndex } from '../opensearch/opensearch-search-index';
import { embeddedSearchIndex } from './embedded-search-index';

/**
 * The search index of this process: OpenSearch when SEARCH_ENGINE=opensearch (AWS),
 * else the embedded engine, one per process, shared by the search and indexer handlers
 * that the local runtime runs side by side.
 */
let instance: SearchIndex | undefined;
let embedded: ReturnType<typeof embeddedSearchIndex> | undefined;

export function searchIndex(): SearchIndex {
  if (instance) return instance;
  const cfg = config();
  instance = cfg.SEARCH_ENGINE === 'opensearch' ? openSearchIndex(openSearchClient(), { indexName: cfg.OPENSEARCH_INDEX }) : embeddedIndex();
  return instance;
}

/** The process's embedded index (the local runtime rebuilds it from the catalog at start). */
export function embeddedIndex(): ReturnType<typeof embeddedSearchIndex> {
  embedded ??= embeddedSearchIndex();
  return embedded;
}
