import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, dateTime, money, ProblemAlert, run } from '../ui';

type Status = components['schemas']['OrderSummary']['status'];
type Summary = components['schemas']['OrderSummary'];
export const STATUSES: readonly Status[] = ['PENDING', 'CONFIRMED', 'PICKED', 'SHIPPED', 'DELIVERED', 'RETURNED', 'CANCELLED'];
const PAGE = 20;

export const statusLabel = (status: string) => status.charAt(0) + status.slice(1).toLowerCase();

/** The shop's orders in one status (the API lists by status), newest first, paged. */
export function Orders({ config }: { config: WebConfig }) {
  const { query } = useLocation();
  const status: Status = STATUSES.includes(query.status as Status) ? (query.status as Status) : 'CONFIRMED';
  return (
    <section>
      <h1>Orders</h1>
      <nav aria-label="Order status" class="tabs">
        {STATUSES.map((s) => (
          <a key={s} href={`/admin/orders?status=${s}`} {...(s === status ? { 'aria-current': 'page' } : {})}>
            {statusLabel(s)}
          </a>
        ))}
      </nav>
      <OrderList key={status} config={config} status={status} />
    </section>
  );
}

export function OrderList({ config, status, limit = PAGE, paged = true }: { config: WebConfig; status: Status; limit?: number; paged?: boolean }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: Summary[]; nextCursor?: string }>();
  const [problem, setProblem] = useState<Problem>();
  const cursor = cursors.at(-1);
  useEffect(() => {
    setPage(undefined);
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/admin/orders', {
        signal,
        params: { path: { shopId: config.shopId }, query: { status, limit, ...(cursor ? { cursor } : {}) } },
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : (setProblem(undefined), setPage(r.data))));
  }, [config.shopId, status, cursor, limit]);
  if (problem) return <ProblemAlert problem={problem} context="The orders could not be listed" />;
  if (!page) return <Busy />;
  if (page.items.length === 0) return <p>No {statusLabel(status).toLowerCase()} orders.</p>;
  return (
    <>
      <table>
        <caption class="visually-hidden">{statusLabel(status)} orders, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Customer</th>
            <th scope="col">Total</th>
            <th scope="col">Placed</th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((order) => (
            <tr key={order.orderId}>
              <td>
                <a href={`/admin/orders/${encodeURIComponent(order.orderId)}`}>{order.orderId}</a>
              </td>
              <td>{order.customerId}</td>
              <td>{money(order.total)}</td>
              <td>{dateTime(order.createdAt)}</td>
              <td>{dateTime(order.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {paged && (
        <nav aria-label="Pages of orders" class="pager">
          {cursors.length > 1 && (
            <button type="button" class="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer orders
            </button>
          )}
          {page.nextCursor && (
            <button type="button" class="secondary" onClick={() => setCursors([...cursors, page.nextCursor])}>
              Older orders
            </button>
          )}
        </nav>
      )}
    </>
  );
}
