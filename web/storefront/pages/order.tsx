import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';
import { currentSession, type WebConfig } from '../../api-client/session';
import { dateTime, money } from '../shop/format';

type Order = components['schemas']['Order'];
type Status = Order['status'];

/** Statuses after which nothing more happens to an order: the page stops asking. */
const FINAL: ReadonlySet<Status> = new Set(['DELIVERED', 'CANCELLED', 'RETURNED']);
const POLL_MS = 2_500;
const LABELS: Record<Status, string> = {
  PENDING: 'Awaiting payment confirmation',
  CONFIRMED: 'Confirmed',
  PICKED: 'Picked in the warehouse',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  RETURNED: 'Returned',
  CANCELLED: 'Cancelled',
};

/** One order and its event timeline, asked again every few seconds until it is final or the page is left. */
export function OrderPage({ config, orderId }: { config: WebConfig; orderId: string }) {
  const { query } = useLocation();
  const [order, setOrder] = useState<Order>();
  const [error, setError] = useState<string>();
  const signedIn = !!currentSession();

  useEffect(() => {
    if (!signedIn) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const poll = async () => {
      try {
        const { data, error: failure, response } = await api.GET('/v1/shops/{shopId}/orders/{orderId}', { params: { path: { shopId: config.shopId, orderId } } });
        if (!live) return;
        if (data) {
          setOrder(data);
          setError(undefined);
          if (FINAL.has(data.status)) return;
        } else {
          setError(response.status === 404 ? 'There is no such order in your account.' : describeProblem(problemOf(failure, response)));
          if (response.status === 404 || response.status === 401) return;
        }
      } catch {
        if (live) setError(describeProblem({ status: 0, code: 'network' }));
      }
      if (live) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [config.shopId, orderId, signedIn]);

  if (!signedIn)
    return (
      <p>
        <a href={`/sign-in?returnTo=${encodeURIComponent(`/orders/${orderId}`)}`}>Sign in</a> to see this order.
      </p>
    );
  if (!order) return error ? <p role="alert">{error}</p> : <p aria-busy="true">Loading the order…</p>;
  return (
    <article class="order">
      <h1>Order {order.orderId}</h1>
      {query.placed && order.status !== 'CANCELLED' && <p role="status">Thank you! Your order is placed.</p>}
      {query.authentication === 'failed' && <p role="alert">Your bank did not confirm the payment, so the order is cancelled and nothing was charged.</p>}
      <p class="order-status">
        Status: <strong aria-live="polite">{order.status}</strong> ({LABELS[order.status]})
      </p>
      {error && <p role="alert">{error}</p>}
      <h2>Timeline</h2>
      <ol class="timeline" aria-label="Order timeline">
        {order.events.map((event) => {
          const carrier = typeof event.data.carrier === 'string' ? event.data.carrier : undefined;
          const tracking = typeof event.data.trackingNumber === 'string' ? event.data.trackingNumber : undefined;
          return (
            <li key={event.seq}>
              <strong>{event.type}</strong> <time dateTime={event.at}>{dateTime(event.at)}</time>
              {event.type === 'SHIPPED' && (carrier || tracking) && (
                <span>
                  {' '}
                  — {carrier?.toUpperCase()} tracking number {tracking}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {!FINAL.has(order.status) && <p class="hint">This page updates as your order moves.</p>}
      <h2>Items</h2>
      <ul class="summary-lines">
        {order.items.map((item) => (
          <li key={item.sku}>
            {item.quantity} × {item.title} — {money(item.lineTotal)}
          </li>
        ))}
      </ul>
      <p class="total">Total {money(order.totals.total)}</p>
      <h2>Shipping to</h2>
      <address>
        {order.shippingAddress.name}
        <br />
        {order.shippingAddress.line1}
        {order.shippingAddress.line2 && (
          <>
            <br />
            {order.shippingAddress.line2}
          </>
        )}
        <br />
        {order.shippingAddress.postalCode} {order.shippingAddress.city}, {order.shippingAddress.country}
      </address>
      <p>
        <a href="/orders">All my orders</a>
      </p>
    </article>
  );
}
