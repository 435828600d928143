import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { setQuantity } from '../shop/cart';
import { AVAILABILITY, money } from '../shop/format';

type Product = components['schemas']['Product'];
type Variant = Product['variants'][number];

const matches = (variant: Variant, choice: Record<string, string>) => Object.entries(choice).every(([name, value]) => variant.options[name] === value);

/** A product with its variant picker (one radio group per option), each variant's price and availability, and "Add to cart". */
export function ProductPage({ config, productId }: { config: WebConfig; productId: string }) {
  const { query } = useLocation();
  const [product, setProduct] = useState<Product>();
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [quantity, setQty] = useState(1);
  const [error, setError] = useState<string>();
  const [added, setAdded] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.GET('/v1/shops/{shopId}/products/{productId}', { params: { path: { shopId: config.shopId, productId } } }).then(
      ({ data, error: failure, response }) => {
        if (!data) return setError(response.status === 404 ? 'This product does not exist (any more).' : describeProblem(problemOf(failure, response)));
        setProduct(data);
        const first = data.variants.find((v) => v.sku === query.sku) ?? data.variants.find((v) => v.availability !== 'out_of_stock') ?? data.variants[0];
        setChoice(data.options.length ? { ...(first?.options ?? {}) } : { variant: first ? first.title || first.sku : '' });
      },
      () => setError(describeProblem({ status: 0, code: 'network' })),
    );
  }, [config.shopId, productId]);

  if (error && !product) return <p role="alert">{error}</p>;
  if (!product) return <p aria-busy="true">Loading…</p>;
  // A product without declared options still lets the shopper pick among its variants, by title.
  const options = product.options.length ? product.options : product.variants.length > 1 ? [{ name: 'variant', values: product.variants.map((v) => v.title || v.sku) }] : [];
  const byTitle = !product.options.length;
  const variant = byTitle
    ? (product.variants.find((v) => (v.title || v.sku) === choice.variant) ?? product.variants[0])
    : (product.variants.find((v) => matches(v, choice) && Object.keys(v.options).length === Object.keys(choice).length) ?? product.variants.find((v) => matches(v, choice)));

  const add = async () => {
    if (!variant) return;
    // The API titles a variant "<product> - <options>", as the account cart shows it.
    const name = variant.title || product.title;
    setBusy(true);
    setError(undefined);
    setAdded(undefined);
    try {
      await setQuantity(config.shopId, variant.sku, quantity, { add: true, title: name, unitPrice: variant.price });
      setAdded(`Added ${quantity} × ${name} to your cart.`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="product">
      <h1>{product.title}</h1>
      <p class="brand-name">
        {product.brand} · <a href={`/categories/${encodeURIComponent(product.category)}`}>{product.category}</a>
        {product.rating > 0 && <> · Rated {product.rating.toFixed(1)} of 5</>}
      </p>
      {product.description && <p>{product.description}</p>}
      <form
        class="variant-picker"
        aria-label="Choose a variant"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        {options.map((option) => (
          <fieldset key={option.name}>
            <legend>{option.name[0]!.toUpperCase() + option.name.slice(1)}</legend>
            {option.values.map((value) => {
              const exists = byTitle || product.variants.some((v) => matches(v, { ...choice, [option.name]: value }));
              return (
                <label key={value} class={exists ? '' : 'unavailable'}>
                  <input type="radio" name={option.name} value={value} checked={choice[option.name] === value} onChange={() => setChoice({ ...choice, [option.name]: value })} /> {value}
                  {!exists && ' (not in this combination)'}
                </label>
              );
            })}
          </fieldset>
        ))}
        {variant ? (
          <p class="chosen" aria-live="polite">
            <span class="price">{money(variant.price)}</span> · <span class={`availability ${variant.availability}`}>{AVAILABILITY[variant.availability]}</span> · SKU {variant.sku}
          </p>
        ) : (
          <p role="status">This combination is not sold. Choose another.</p>
        )}
        <label>
          Quantity <input type="number" min={1} max={99} value={quantity} onInput={(event) => setQty(Math.min(99, Math.max(1, Number(event.currentTarget.value) || 1)))} />
        </label>{' '}
        <button type="submit" disabled={busy || !variant || variant.availability === 'out_of_stock'}>
          Add to cart
        </button>
        {variant?.availability === 'out_of_stock' && <p role="status">This variant is out of stock.</p>}
      </form>
      {added && (
        <p role="status">
          {added} <a href="/cart">View your cart</a>
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      <table class="variants">
        <caption>Every variant</caption>
        <thead>
          <tr>
            {options.map((option) => (
              <th key={option.name} scope="col">
                {option.name}
              </th>
            ))}
            <th scope="col">Price</th>
            <th scope="col">Availability</th>
          </tr>
        </thead>
        <tbody>
          {product.variants.map((v) => (
            <tr key={v.sku} aria-current={v === variant ? 'true' : undefined}>
              {options.map((option) => (
                <td key={option.name}>{byTitle ? v.title || v.sku : (v.options[option.name] ?? '—')}</td>
              ))}
              <td>{money(v.price)}</td>
              <td>{AVAILABILITY[v.availability]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
