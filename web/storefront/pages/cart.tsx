import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { WebConfig } from '../../api-client/session';
import { setQuantity, takeMergeNotice, useCart } from '../shop/cart';
import { money } from '../shop/format';

/** The cart: quantities, remove, totals, and on to checkout. */
export function CartPage({ config }: { config: WebConfig }) {
  const { route } = useLocation();
  const { cart, error: loadError } = useCart(config.shopId);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [notice] = useState(takeMergeNotice);
  const change = async (sku: string, quantity: number) => {
    setBusy(sku);
    setError(undefined);
    try {
      await setQuantity(config.shopId, sku, quantity);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  if (!cart) return loadError ? <p role="alert">{loadError}</p> : <p aria-busy="true">Loading your cart…</p>;
  return (
    <section>
      <h1>Your cart</h1>
      {notice && <p role="status">{notice}</p>}
      {(error ?? loadError) && <p role="alert">{error ?? loadError}</p>}
      {cart.items.length === 0 ? (
        <p>
          Your cart is empty. <a href="/">Keep shopping</a>.
        </p>
      ) : (
        <>
          <table class="cart">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Price</th>
                <th scope="col">Quantity</th>
                <th scope="col">Total</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cart.items.map((line) => {
                const name = line.title ?? line.sku;
                return (
                  <tr key={line.sku}>
                    <td>
                      {name}
                      {!line.available && <span class="availability out_of_stock"> No longer sold: remove it to check out.</span>}
                    </td>
                    <td>{money(line.unitPrice)}</td>
                    <td>
                      {/* Uncontrolled, new when the cart's quantity changes: a re-render (a second read of the same cart) keeps what is being typed. */}
                      <input
                        key={`${line.sku}:${line.quantity}`}
                        type="number"
                        min={0}
                        max={99}
                        aria-label={`Quantity of ${name}`}
                        defaultValue={String(line.quantity)}
                        disabled={busy === line.sku}
                        onChange={(event) => void change(line.sku, Math.max(0, Math.min(99, Math.floor(Number(event.currentTarget.value) || 0))))}
                      />
                    </td>
                    <td>{money(line.lineTotal)}</td>
                    <td>
                      <button type="button" class="secondary" aria-label={`Remove ${name}`} disabled={busy === line.sku} onClick={() => void change(line.sku, 0)}>
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Subtotal
                </th>
                <td>{money(cart.subtotal)}</td>
                <td />
              </tr>
            </tfoot>
          </table>
          {cart.guest && <p>You will sign in at checkout; this cart comes with you.</p>}
          <button type="button" onClick={() => route('/checkout')}>
            Checkout
          </button>
        </>
      )}
    </section>
  );
}
