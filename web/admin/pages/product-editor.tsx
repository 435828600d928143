import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, minorDigits, money, ProblemAlert, run } from '../ui';

type Product = components['schemas']['Product'];
type ProductInput = components['schemas']['ProductInput'];
interface OptionRow {
  name: string;
  /** Comma-separated, as typed. */
  values: string;
}
interface VariantRow {
  sku: string;
  /** In major units, as typed (e.g. 19.99). */
  price: string;
}
type Combination = Record<string, string>;

const MAX_OPTIONS = 3;

function parsedOptions(rows: readonly OptionRow[]): { name: string; values: string[] }[] {
  return rows
    .map((row) => ({
      name: row.name.trim(),
      values: [
        ...new Set(
          row.values
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean),
        ),
      ],
    }))
    .filter((option) => option.name && option.values.length > 0);
}

/** One variant per combination of the options' values (one with no options when there are none). */
function combinations(options: readonly { name: string; values: string[] }[]): Combination[] {
  return options.reduce<Combination[]>((all, option) => all.flatMap((partial) => option.values.map((value) => ({ ...partial, [option.name]: value }))), [{}]);
}

const keyOf = (combination: Combination) => JSON.stringify(Object.entries(combination));
const labelOf = (combination: Combination) => Object.values(combination).join(' / ') || 'the product';

function priceText(amount: number, currency: string): string {
  const shopCurrency = currency;
  const digits = minorDigits(shopCurrency);
  return (amount / 10 ** digits).toFixed(digits);
}

/**
 * Create or edit a product: its fields, up to 3 options (color, size…), and one SKU with its price
 * per combination of their values. Saving sends the whole product (POST to create, PUT to replace);
 * the API's refusals are shown field by field as it words them.
 */
export function ProductEditor({ config, productId }: { config: WebConfig; productId?: string }) {
  const { route, query } = useLocation();
  const [currency, setCurrency] = useState<string>();
  const [loaded, setLoaded] = useState<Product>();
  const [fields, setFields] = useState({ title: '', description: '', brand: '', category: '' });
  const [optionRows, setOptionRows] = useState<OptionRow[]>([{ name: 'color', values: '' }]);
  const [variants, setVariants] = useState<Record<string, VariantRow>>({});
  const [problem, setProblem] = useState<Problem>();
  const [problemContext, setProblemContext] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(query.saved === '1');

  useEffect(() => {
    void run((signal) =>
      api.GET('/v1/shops/{shopId}', {
        signal,
        params: { path: { shopId: config.shopId } },
      }),
    ).then((r) => setCurrency(r.data?.currency ?? 'USD'));
    if (!productId) return;
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/products/{productId}', {
        signal,
        params: { path: { shopId: config.shopId, productId } },
        cache: 'no-cache',
      }),
    ).then((r) => {
      if (r.problem) return (setProblemContext('The product could not be loaded'), setProblem(r.problem));
      const product = r.data;
      setLoaded(product);
      setFields({ title: product.title, description: product.description, brand: product.brand, category: product.category });
      setOptionRows(product.options.map((o) => ({ name: o.name, values: o.values.join(', ') })));
      setVariants(
        Object.fromEntries(
          product.variants.map((v) => [keyOf(Object.fromEntries(product.options.map((o) => [o.name, v.options[o.name] ?? '']))), { sku: v.sku, price: priceText(v.price.amount, v.price.currency) }]),
        ),
      );
    });
  }, [config.shopId, productId]);

  if (productId && !loaded)
    return (
      <section>
        <h1>Product</h1>
        <ProblemAlert problem={problem} {...(problemContext ? { context: problemContext } : {})} />
        {!problem && <Busy />}
      </section>
    );
  if (!currency) return <Busy />;

  const options = parsedOptions(optionRows);
  const rows = combinations(options);
  const shopCurrency = currency;
  const digits = minorDigits(shopCurrency);

  function body(): ProductInput | string {
    const lines: ProductInput['variants'] = [];
    for (const combination of rows) {
      const row = variants[keyOf(combination)];
      const sku = row?.sku.trim() ?? '';
      if (!sku) return `Give ${labelOf(combination)} a SKU.`;
      const price = Number((row?.price ?? '').trim());
      if (!row?.price.trim() || !Number.isFinite(price) || price < 0) return `Give ${labelOf(combination)} a price (a number, e.g. ${(1999 / 10 ** digits).toFixed(digits)}).`;
      const before = loaded?.variants.find((v) => v.sku === sku);
      lines.push({
        sku,
        options: combination,
        price: { amount: Math.round(price * 10 ** digits), currency: shopCurrency },
        ...(before?.reserveOnAddToCart ? { reserveOnAddToCart: true } : {}),
      });
    }
    return { ...fields, images: loaded?.images ?? [], rating: loaded?.rating ?? 0, options, variants: lines };
  }

  async function save(event: Event) {
    event.preventDefault();
    setSaved(false);
    const input = body();
    if (typeof input === 'string') return (setProblemContext(undefined), setProblem({ status: 400, code: 'validation_failed', detail: input }));
    setSaving(true);
    const result = loaded
      ? await run((signal) =>
          api.PUT('/v1/shops/{shopId}/admin/products/{productId}', {
            signal,
            params: { path: { shopId: config.shopId, productId: loaded.id } },
            body: input,
          }),
        )
      : await run((signal) =>
          api.POST('/v1/shops/{shopId}/admin/products', {
            signal,
            params: { path: { shopId: config.shopId } },
            body: input,
          }),
        );
    setSaving(false);
    if (result.problem) return (setProblemContext('The product was not saved'), setProblem(result.problem));
    setProblem(undefined);
    if (!loaded) return route(`/admin/products/${encodeURIComponent(result.data.id)}?saved=1`);
    setLoaded(result.data);
    setSaved(true);
  }

  const setField = (name: keyof typeof fields) => (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setFields({ ...fields, [name]: event.currentTarget.value });
  const setOption = (index: number, change: Partial<OptionRow>) => setOptionRows(optionRows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const setVariant = (key: string, change: Partial<VariantRow>) => setVariants({ ...variants, [key]: { sku: '', price: '', ...variants[key], ...change } });

  return (
    <section>
      <h1>{loaded ? `Edit ${loaded.title}` : 'New product'}</h1>
      {saved && (
        <p role="status" class="notice">
          Saved. Its SKUs start with no stock: restock them on their inventory pages.
        </p>
      )}
      <form onSubmit={(event) => void save(event)} class="product-form">
        <fieldset>
          <legend>Product</legend>
          <label>
            Title <input name="title" required value={fields.title} onInput={setField('title')} />
          </label>
          <label>
            Brand <input name="brand" required value={fields.brand} onInput={setField('brand')} />
          </label>
          <label>
            Category <input name="category" required value={fields.category} onInput={setField('category')} />
          </label>
          <label>
            Description <textarea name="description" rows={3} value={fields.description} onInput={setField('description')} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Options</legend>
          <p class="hint">Up to {MAX_OPTIONS} options, such as color or size; separate their values with commas. Each combination is one variant with its own SKU.</p>
          {optionRows.map((row, index) => (
            <div class="option-row" key={index}>
              <label>
                Option {index + 1} name <input value={row.name} onInput={(e) => setOption(index, { name: e.currentTarget.value })} />
              </label>
              <label>
                Option {index + 1} values <input value={row.values} placeholder="red, blue" onInput={(e) => setOption(index, { values: e.currentTarget.value })} />
              </label>
              <button type="button" class="secondary" onClick={() => setOptionRows(optionRows.filter((_, i) => i !== index))}>
                Remove option {index + 1}
              </button>
            </div>
          ))}
          {optionRows.length < MAX_OPTIONS && (
            <button type="button" class="secondary" onClick={() => setOptionRows([...optionRows, { name: '', values: '' }])}>
              Add an option
            </button>
          )}
        </fieldset>
        <fieldset>
          <legend>
            Variants ({rows.length}, prices in {currency})
          </legend>
          <table>
            <thead>
              <tr>
                {options.map((o) => (
                  <th scope="col" key={o.name}>
                    {o.name}
                  </th>
                ))}
                <th scope="col">SKU</th>
                <th scope="col">Price</th>
                {loaded && <th scope="col">Stock</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((combination) => {
                const key = keyOf(combination);
                const row = variants[key];
                const label = labelOf(combination);
                const existing = loaded?.variants.find((v) => v.sku === row?.sku);
                return (
                  <tr key={key}>
                    {options.map((o) => (
                      <td key={o.name}>{combination[o.name]}</td>
                    ))}
                    <td>
                      <input aria-label={`SKU of ${label}`} value={row?.sku ?? ''} onInput={(e) => setVariant(key, { sku: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={`Price of ${label}`} inputMode="decimal" value={row?.price ?? ''} onInput={(e) => setVariant(key, { price: e.currentTarget.value })} />
                    </td>
                    {loaded && (
                      <td>
                        {existing ? (
                          <a href={`/admin/inventory/${encodeURIComponent(existing.sku)}`}>
                            {existing.availability.replace(/_/g, ' ')} ({money(existing.price)})
                          </a>
                        ) : (
                          'new'
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </fieldset>
        <ProblemAlert problem={problem} {...(problemContext ? { context: problemContext } : {})} />
        <button type="submit" disabled={saving}>
          {loaded ? 'Save changes' : 'Create product'}
        </button>
      </form>
    </section>
  );
}
