/** Prices arrive in integer minor units with their ISO 4217 currency. */
export function money(value: { readonly amount: number; readonly currency: string } | undefined): string {
  if (!value) return '—';
  const currency = value.currency.toUpperCase();
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(value.amount / 10 ** digits);
}

export const AVAILABILITY: Record<'in_stock' | 'low_stock' | 'out_of_stock', string> = {
  in_stock: 'In stock',
  low_stock: 'Only a few left',
  out_of_stock: 'Out of stock',
};

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}
