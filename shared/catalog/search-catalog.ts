import { analyzeTerm, categoryWords, tokenize } from './text-analysis';
import type { SearchFilters, SearchIndex, SearchQuery, SearchResults, SearchSort, SearchVocabulary } from './search-index';

/**
 * Catalog search: free text may name attribute values ("blue running shoes size 10"),
 * which are recognized against the shop's own vocabulary and turned into strong boosts;
 * the rest is full text. Explicit filters come from the query parameters.
 */
export interface SearchRequest extends SearchFilters {
  readonly q?: string;
  readonly sort: SearchSort;
  readonly page: number;
  readonly pageSize: number;
}

export interface ParsedText {
  readonly text: string;
  readonly prefer: { color?: string; size?: string; brand?: string; category?: string };
}

const SIZE_WORDS = new Set(['size', 'sz', 'sizes']);

/** Takes recognized colors, sizes (after "size") and brands out of the text; categories stay as text too. */
export function parseSearchText(q: string, vocabulary: SearchVocabulary): ParsedText {
  const words = tokenize(q);
  const used = new Array<boolean>(words.length).fill(false);
  const prefer: ParsedText['prefer'] = {};
  const lower = (values: readonly string[]) => new Map(values.map((v) => [v.toLowerCase(), v]));
  const colors = lower(vocabulary.colors);
  const sizes = lower(vocabulary.sizes);
  const brands = lower(vocabulary.brands);

  // Longest phrases first: two-word colors and brands ("light blue", "north peak").
  for (const span of [3, 2, 1]) {
    for (let i = 0; i + span <= words.length; i++) {
      if (used.slice(i, i + span).some(Boolean)) continue;
      const phrase = words.slice(i, i + span).join(' ');
      if (!prefer.color && colors.has(phrase)) {
        prefer.color = colors.get(phrase)!;
        used.fill(true, i, i + span);
      } else if (!prefer.brand && brands.has(phrase)) {
        prefer.brand = brands.get(phrase)!;
        used.fill(true, i, i + span);
      }
    }
  }
  for (let i = 0; i + 1 < words.length; i++) {
    if (used[i] || used[i + 1] || !SIZE_WORDS.has(words[i]!)) continue;
    const size = sizes.get(words[i + 1]!);
    if (size && !prefer.size) {
      prefer.size = size;
      used[i] = used[i + 1] = true;
    }
  }
  const rest = words.filter((_, i) => !used[i]);
  const restTerms = new Set(rest.map(analyzeTerm).filter(Boolean));
  // A category whose every word appears in the text ("running shoes" → running-shoes).
  let bestCategory: { slug: string; words: number } | undefined;
  for (const slug of vocabulary.categories) {
    const terms = tokenize(categoryWords(slug)).map(analyzeTerm).filter(Boolean);
    if (terms.length > 0 && terms.every((t) => restTerms.has(t)) && terms.length > (bestCategory?.words ?? 0)) {
      bestCategory = { slug, words: terms.length };
    }
  }
  if (bestCategory) prefer.category = bestCategory.slug;
  return { text: rest.join(' '), prefer };
}

export function makeSearchCatalog({ index }: { index: SearchIndex }) {
  return async function searchCatalog(request: SearchRequest): Promise<SearchResults> {
    const parsed: ParsedText = request.q?.trim() ? parseSearchText(request.q, await index.vocabulary(request.shopId)) : { text: '', prefer: {} };
    // Text made only of attribute values ("blue", "stridewell") means those values: filter by them.
    const only = !parsed.text && request.q?.trim() ? parsed.prefer : {};
    const category = request.category ?? only.category;
    const brands = request.brands?.length ? request.brands : only.brand ? [only.brand] : undefined;
    const color = request.color ?? only.color;
    const size = request.size ?? only.size;
    const query: SearchQuery = {
      shopId: request.shopId,
      ...(parsed.text ? { text: parsed.text } : {}),
      ...(Object.keys(parsed.prefer).length > 0 ? { prefer: parsed.prefer } : {}),
      ...(category ? { category } : {}),
      ...(brands?.length ? { brands } : {}),
      ...(color ? { color } : {}),
      ...(size ? { size } : {}),
      ...(request.priceMin !== undefined ? { priceMin: request.priceMin } : {}),
      ...(request.priceMax !== undefined ? { priceMax: request.priceMax } : {}),
      ...(request.ratingMin !== undefined ? { ratingMin: request.ratingMin } : {}),
      ...(request.inStock ? { inStock: true } : {}),
      sort: request.sort,
      page: request.page,
      pageSize: request.pageSize,
    };
    return index.search(query);
  };
}
