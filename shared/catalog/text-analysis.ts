import { stemmer } from 'stemmer';

/**
 * English text analysis shared by the embedded search engine and the query parser:
 * lower case, synonyms folded to one canonical term, Porter stemming, stop words dropped.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  tee: 'tshirt',
  tees: 'tshirt',
  't-shirt': 'tshirt',
  't-shirts': 'tshirt',
  tshirts: 'tshirt',
  trainer: 'sneaker',
  trainers: 'sneaker',
  sneakers: 'sneaker',
  hoody: 'hoodie',
  hoodies: 'hoodie',
  sweatshirt: 'hoodie',
  sweatshirts: 'hoodie',
  trousers: 'pants',
  rucksack: 'backpack',
  rucksacks: 'backpack',
  grey: 'gray',
};

const STOP_WORDS = new Set(['a', 'an', 'and', 'the', 'for', 'of', 'in', 'with', 'to', 'on', 'by', 'or', 'my', 'me', 'i']);

/** Splits on anything but letters, digits and the hyphen inside words like t-shirt. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? [];
}

/** One analyzed term, or null for a stop word. */
export function analyzeTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  const canonical = SYNONYMS[lower] ?? lower;
  if (canonical.includes('-')) return canonical.replace(/-/g, '');
  return /^\d/.test(canonical) ? canonical : stemmer(canonical);
}

export function analyze(text: string): string[] {
  return tokenize(text)
    .map(analyzeTerm)
    .filter((term): term is string => Boolean(term));
}

/** `running-shoes` → `running shoes`, so category slugs are searchable as words. */
export function categoryWords(category: string): string {
  return category.replace(/-/g, ' ');
}
