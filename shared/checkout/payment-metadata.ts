/**
 * The reservation ids an authorization carries in its Stripe metadata, for the reconciler:
 * Stripe takes values of at most 500 characters (and 50 keys), so the comma-separated list
 * is cut at commas into `reservationIds`, `reservationIds2`, `reservationIds3`, …
 */
export const METADATA_VALUE_MAX_CHARS = 500;
const KEY = 'reservationIds';

export function reservationIdsMetadata(reservationIds: readonly string[]): Record<string, string> {
  const values: string[] = [];
  let current = '';
  for (const id of reservationIds) {
    if (id.length > METADATA_VALUE_MAX_CHARS) throw new Error(`Reservation id ${id.slice(0, 40)}… is longer than a Stripe metadata value.`);
    const next = current ? `${current},${id}` : id;
    if (next.length > METADATA_VALUE_MAX_CHARS) {
      values.push(current);
      current = id;
    } else {
      current = next;
    }
  }
  if (current) values.push(current);
  return Object.fromEntries(values.map((value, i) => [i === 0 ? KEY : `${KEY}${i + 1}`, value]));
}

/** The reservation ids written by reservationIdsMetadata, in order. */
export function reservationIdsFromMetadata(metadata: Readonly<Record<string, string>>): string[] {
  const ids: string[] = [];
  for (let i = 1; ; i++) {
    const value = metadata[i === 1 ? KEY : `${KEY}${i}`];
    if (value === undefined) return ids;
    ids.push(...value.split(',').filter(Boolean));
  }
}
