import { useEffect, useState } from 'preact/hooks';
import { api, describeProblem, problemOf, type components } from '../../api-client/client';
import { currentSession, type WebConfig } from '../../api-client/session';
import { dateTime, money } from '../shop/format';

type Summary = components['schemas']['OrderSummary'];

/** "My orders": the signed-in customer's orders, newest first. */
export function Orders({ config }: { config: WebConfig }) {
  const [orders, setOrders] = useState<Summary[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const signedIn = !!currentSession();
  const load = (from?: string) =>
    api.GET('/v1/shops/{shopId}/orders', { params: { path: { shopId: config.shopId }, query: { limit: 20, ...(from ? { cursor: from } : {}) } } }).then(
      ({ data, error: failure, response }) => {
        setLoaded(true);
        if (!data) return setError(describeProblem(problemOf(failure, response)));
        setOrders((before) => (from ? [...before, ...data.items] : data.items));
        setCursor(data.nextCursor);
      },
      () => setError(describeProblem({ status: 0, code: 'network' })),
    );
  useEffect(() => {
    if (signedIn) void load();
  }, [config.shopId, signedIn]);
  if (!signedIn)
    return (
      <section>
        <h1>My orders</h1>
        <p>
          <a href="/sign-in?returnTo=%2Forders">Sign in</a> to see your orders.
        </p>
      </section>
    );
  return (
    <section>
      <h1>My orders</h1>
      {error && <p role="alert">{error}</p>}
      {loaded && !error && orders.length === 0 && <p>You have no orders yet.</p>}
      {orders.length > 0 && (
        <table class="orders">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.orderId}>
                <td>
                  <a href={`/orders/${encodeURIComponent(order.orderId)}`}>{order.orderId}</a>
                </td>
                <td>{dateTime(order.createdAt)}</td>
                <td>{order.status}</td>
                <td>{money(order.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          Older orders
        </button>
      )}
    </section>
  );
}
