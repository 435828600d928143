/**
 * How functions reach the catalog search domain. Apart from lib/search.ts (the domain) so that
 * the function construct can take a search resource without importing the domain's construct,
 * which itself builds its setup function with that construct.
 */
export type SearchAccess = 'read' | 'write';

/** A role the domain admits, made for one function (see Search). */
export interface SearchClient {
  readonly roleArn: string;
  readonly access: SearchAccess;
}

/** How a function reaches the search domain. */
export interface SearchResource {
  /** `https://` and the domain endpoint (OPENSEARCH_ENDPOINT). */
  readonly url: string;
  /** The alias that functions read and write (OPENSEARCH_INDEX). */
  readonly indexName: string;
  readonly domainArn: string;
  /** The role made for each function that uses search, by spec id. */
  readonly clients: Readonly<Record<string, SearchClient>>;
}
