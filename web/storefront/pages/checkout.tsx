import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, idempotencyKey, problemOf, type components } from '../../api-client/client';
import { currentSession, type WebConfig } from '../../api-client/session';
import { cartEmptied, loadCart, useCart } from '../shop/cart';
import { money } from '../shop/format';

type CheckoutInput = components['schemas']['CheckoutInput'];
type NextAction = components['schemas']['PaymentNextAction'];
type Variant = components['schemas']['VariantView'];

/** Stripe's test payment methods (the local Stripe server and Stripe's test mode both know them). */
const CARDS = [
  { id: 'pm_card_visa', label: 'Visa test card (authorizes)' },
  { id: 'pm_card_authenticationRequired', label: 'Test card that asks for 3-D Secure' },
  { id: 'pm_card_chargeDeclined', label: 'Test card that is declined' },
] as const;

/**
 * One checkout attempt's Idempotency-Key: kept (in this tab) with the body it was sent with, so a
 * retry of the same attempt after a lost answer, a 5xx or `request_in_progress` reuses it and
 * replays the first answer; a definite answer ends the attempt, and the next gets a new key.
 */
const ATTEMPT_KEY = 'commerce.checkout-attempt';
interface Attempt {
  readonly key: string;
  readonly body: string;
}
function keyFor(body: string): string {
  const saved = JSON.parse(sessionStorage.getItem(ATTEMPT_KEY) ?? 'null') as Attempt | null;
  if (saved?.body === body) return saved.key;
  const key = idempotencyKey();
  sessionStorage.setItem(ATTEMPT_KEY, JSON.stringify({ key, body } satisfies Attempt));
  return key;
}
const endAttempt = () => sessionStorage.removeItem(ATTEMPT_KEY);

/** Messages a shopper can act on, by the problem's code. */
function explain(code: string, detail: string, skus: readonly string[], titles: ReadonlyMap<string, string>): string {
  const names = skus.map((sku) => titles.get(sku) ?? sku).join(', ');
  switch (code) {
    case 'payment_declined':
      return 'Your card was declined. Nothing was charged and nothing is held: choose another payment method and place the order again.';
    case 'out_of_stock':
      return `Sorry, out of stock: ${names || 'an item in your cart'}. Nothing was charged. Lower the quantity or remove it from your cart, then try again.`;
    case 'items_unavailable':
      return `These items are no longer sold: ${names}. Remove them from your cart, then try again.`;
    case 'cart_empty':
      return 'Your cart is empty: add something first.';
    case 'hold_expired':
      return 'Your flash-sale hold has expired, so the item went back to the sale. Nothing was charged.';
    default:
      return detail;
  }
}

function useCountdown(until: string | undefined): number | undefined {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  if (!until) return undefined;
  const end = Date.parse(until);
  return Number.isNaN(end) ? undefined : Math.max(0, Math.ceil((end - now) / 1000));
}

const minutes = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** Checkout: the cart (or a flash-sale hold), address, email and payment; then the order, 3-D Secure, or a clear refusal. */
export function Checkout({ config }: { config: WebConfig }) {
  const { query, route, url } = useLocation();
  const session = currentSession();
  const holdId = query.flashSaleHoldId;
  const holdLeft = useCountdown(holdId ? query.holdExpiresAt : undefined);
  const { cart } = useCart(config.shopId);
  const [heldSku, setHeldSku] = useState<string>();
  const [held, setHeld] = useState<Variant>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState<{ orderId: string; nextAction: NextAction }>();

  useEffect(() => {
    if (!holdId || !query.saleId) return;
    api.GET('/v1/shops/{shopId}/flash-sales/{saleId}', { params: { path: { shopId: config.shopId, saleId: query.saleId } } }).then(
      ({ data }) => data && setHeldSku(data.sku),
      () => undefined,
    );
  }, [holdId, query.saleId]);
  useEffect(() => {
    if (!heldSku) return;
    // The held SKU's product, options and price (the SKU alone is shown until they come, or if they do not).
    api.GET('/v1/shops/{shopId}/variants/{sku}', { params: { path: { shopId: config.shopId, sku: heldSku } } }).then(
      ({ data }) => data && setHeld(data),
      () => undefined,
    );
  }, [heldSku]);

  if (!session) {
    return (
      <section>
        <h1>Checkout</h1>
        <p>Sign in to check out. Your cart comes with you.</p>
        <a class="button" href={`/sign-in?returnTo=${encodeURIComponent(url)}`}>
          Sign in
        </a>
      </section>
    );
  }

  const titles = new Map((cart?.items ?? []).map((line) => [line.sku, line.title ?? line.sku]));
  const expired = holdId !== undefined && holdLeft === 0;

  const submit = async (form: HTMLFormElement) => {
    const field = (name: string) => String(new FormData(form).get(name) ?? '').trim();
    const body: CheckoutInput = {
      paymentMethodId: field('paymentMethod'),
      email: field('email'),
      shippingAddress: {
        name: field('name'),
        line1: field('line1'),
        ...(field('line2') ? { line2: field('line2') } : {}),
        city: field('city'),
        postalCode: field('postalCode'),
        country: field('country').toUpperCase(),
      },
      ...(holdId ? { flashSaleHoldId: holdId } : {}),
    };
    const key = keyFor(JSON.stringify(body));
    setBusy(true);
    setError(undefined);
    try {
      const { data, error: failure, response } = await api.POST('/v1/shops/{shopId}/checkout', { params: { path: { shopId: config.shopId }, header: { 'idempotency-key': key } }, body });
      if (data) {
        endAttempt();
        if ('nextAction' in data && data.status === 'PENDING') {
          // The cart is emptied once the payment is confirmed: show it as the API has it.
          void loadCart(config.shopId).catch(() => undefined);
          setPending({ orderId: data.orderId, nextAction: data.nextAction });
          return;
        }
        if (!holdId) cartEmptied(config.shopId);
        route(`/orders/${encodeURIComponent(data.orderId)}?placed=1`);
        return;
      }
      const problem = problemOf(failure, response);
      const skus = ((failure as { skus?: string[] } | undefined)?.skus ?? []).map(String);
      // A definite refusal ends the attempt; a retry of a lost or busy one keeps its key.
      const uncertain = problem.status >= 500 || problem.status === 429 || problem.code === 'request_in_progress';
      if (!uncertain) endAttempt();
      setError(
        uncertain
          ? `${describeProblem(problem)} Press “Place order” again: the same attempt is retried, so you cannot be charged twice.`
          : explain(problem.code, describeProblem(problem), skus, titles),
      );
    } catch {
      setError('The shop could not be reached. Press “Place order” again: the same attempt is retried, so you cannot be charged twice.');
    } finally {
      setBusy(false);
    }
  };

  if (pending) {
    const back = `${location.origin}/orders/${encodeURIComponent(pending.orderId)}`;
    const href = pending.nextAction.url ? `${pending.nextAction.url}${pending.nextAction.url.includes('?') ? '&' : '?'}return_url=${encodeURIComponent(back)}` : undefined;
    return (
      <section>
        <h1>Confirm the payment</h1>
        <p role="status">Your bank asks you to confirm this payment (3-D Secure). Your items are held meanwhile.</p>
        {href ? (
          <a class="button" href={href}>
            Confirm with your bank
          </a>
        ) : (
          <p>This payment needs a confirmation step this shop cannot show. The order is cancelled and the stock released if it is not confirmed in time.</p>
        )}
        <p>
          <a href={`/orders/${encodeURIComponent(pending.orderId)}`}>See the order</a>
        </p>
      </section>
    );
  }

  return (
    <section class="checkout">
      <h1>Checkout</h1>
      {holdId ? (
        <div class="hold" aria-live="polite">
          <h2>Your flash-sale item</h2>
          <p>{heldSku ? `Held for you: ${held ? `${held.title} (SKU ${heldSku})` : heldSku}` : 'Your held item'}</p>
          {held && (
            <dl class="held-item">
              {Object.entries(held.options).map(([name, value]) => (
                <Fragment key={name}>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </Fragment>
              ))}
              <dt>Price</dt>
              <dd>{money(held.price)}</dd>
            </dl>
          )}
          {holdLeft === undefined ? null : expired ? (
            <p role="alert">Your hold expired. The item went back to the sale, and nothing was charged.</p>
          ) : (
            <p class="countdown" role="timer">
              Your hold expires in {minutes(holdLeft)}
            </p>
          )}
        </div>
      ) : (
        <div>
          <h2>Your order</h2>
          {cart && cart.items.length === 0 && (
            <p>
              Your cart is empty. <a href="/">Keep shopping</a>.
            </p>
          )}
          <ul class="summary-lines">
            {cart?.items.map((line) => (
              <li key={line.sku}>
                {line.quantity} × {line.title ?? line.sku} — {money(line.lineTotal)}
              </li>
            ))}
          </ul>
          {cart?.subtotal && <p class="total">Total {money(cart.subtotal)}</p>}
        </div>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit(event.currentTarget);
        }}
      >
        <fieldset>
          <legend>Contact</legend>
          <label>
            Email <input name="email" type="email" required autoComplete="email" defaultValue={session.email ?? ''} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Shipping address</legend>
          <label>
            Full name <input name="name" required autoComplete="name" maxLength={200} />
          </label>
          <label>
            Address <input name="line1" required autoComplete="address-line1" maxLength={200} />
          </label>
          <label>
            Apartment, suite (optional) <input name="line2" autoComplete="address-line2" maxLength={200} />
          </label>
          <label>
            City <input name="city" required autoComplete="address-level2" maxLength={100} />
          </label>
          <label>
            Postal code <input name="postalCode" required autoComplete="postal-code" maxLength={20} />
          </label>
          <label>
            Country code <input name="country" required autoComplete="country" pattern="[A-Za-z]{2}" title="Two letters, e.g. US" maxLength={2} defaultValue="US" />
          </label>
        </fieldset>
        <fieldset>
          <legend>Payment</legend>
          {CARDS.map((card, index) => (
            <label key={card.id}>
              <input type="radio" name="paymentMethod" value={card.id} defaultChecked={index === 0} /> {card.label} <code>{card.id}</code>
            </label>
          ))}
        </fieldset>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy || expired || (!holdId && cart?.items.length === 0)}>
          Place order
        </button>
        {busy && <span aria-live="polite"> Placing your order…</span>}
      </form>
    </section>
  );
}
