import { AVAILABILITY, money } from './format';

export interface Listed {
  readonly productId: string;
  readonly sku?: string;
  readonly title: string;
  readonly brand: string;
  readonly rating: number;
  readonly price?: { readonly amount: number; readonly currency: string };
  readonly availability: 'in_stock' | 'low_stock' | 'out_of_stock';
  readonly image?: string;
}

/** Products in the order the API gave them (search ranks; categories list best rated first). */
export function ProductList({ items, label }: { items: readonly Listed[]; label: string }) {
  return (
    <ol class="products" aria-label={label}>
      {items.map((item) => (
        <li key={`${item.productId}:${item.sku ?? ''}`} class="product-card">
          <a href={`/products/${encodeURIComponent(item.productId)}${item.sku ? `?sku=${encodeURIComponent(item.sku)}` : ''}`}>{item.title}</a>
          <span class="brand-name">{item.brand}</span>
          <span class="price">{money(item.price)}</span>
          <span class={`availability ${item.availability}`}>{AVAILABILITY[item.availability]}</span>
          {item.rating > 0 && <span class="rating">Rated {item.rating.toFixed(1)} of 5</span>}
        </li>
      ))}
    </ol>
  );
}
