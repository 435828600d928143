import { useEffect, useState } from 'preact/hooks';
import { api, idempotencyKey, type components, type Problem } from '../../api-client/client';
import type { WebConfig } from '../../api-client/session';
import { Busy, dateTime, money, ProblemAlert, run } from '../ui';
import { statusLabel } from './orders';

type Order = components['schemas']['Order'];
type EventInput = components['schemas']['OrderEventInput'];
type ReturnReason = NonNullable<EventInput['reason']>;
const EVENT_TYPES: readonly EventInput['type'][] = ['PICKED', 'SHIPPED', 'DELIVERED', 'RETURNED'];
const RETURN_REASONS: readonly { value: ReturnReason; label: string }[] = [
  { value: 'unwanted', label: 'Unwanted (back on sale)' },
  { value: 'wrong_size', label: 'Wrong size (back on sale)' },
  { value: 'wrong_item', label: 'Wrong item (back on sale)' },
  { value: 'undeliverable', label: 'Undeliverable (back on sale)' },
  { value: 'damaged', label: 'Damaged (not restocked)' },
  { value: 'defective', label: 'Defective (not restocked)' },
];
/** What usually comes next, preselected in the form. */
const NEXT: Partial<Record<Order['status'], EventInput['type']>> = { CONFIRMED: 'PICKED', PICKED: 'SHIPPED', SHIPPED: 'DELIVERED', DELIVERED: 'RETURNED' };

/** One order of the shop: its lines, address, payment, its events, and recording the warehouse's next event. */
export function OrderDetail({ config, orderId }: { config: WebConfig; orderId: string }) {
  const [order, setOrder] = useState<Order>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    void run((signal) =>
      api.GET('/v1/shops/{shopId}/admin/orders/{orderId}', {
        signal,
        params: { path: { shopId: config.shopId, orderId } },
      }),
    ).then((r) => (r.problem ? setProblem(r.problem) : setOrder(r.data)));
  }, [config.shopId, orderId]);
  if (problem)
    return (
      <section>
        <h1>Order {orderId}</h1>
        <ProblemAlert problem={problem} context="The order could not be read" />
      </section>
    );
  if (!order) return <Busy />;
  return (
    <section>
      <h1>Order {order.orderId}</h1>
      <p>
        Status: <strong data-status={order.status}>{statusLabel(order.status)}</strong> · payment {order.payment.status} · placed {dateTime(order.createdAt)} ·{' '}
        <a href={`/admin/orders?status=${order.status}`}>other {statusLabel(order.status).toLowerCase()} orders</a>
      </p>
      <div class="columns">
        <section aria-labelledby="lines" class="panel">
          <h2 id="lines">Lines</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Item</th>
                <th scope="col">Quantity</th>
                <th scope="col">Unit price</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {order.items.map((item) => (
                <tr key={item.sku}>
                  <td>
                    <a href={`/admin/inventory/${encodeURIComponent(item.sku)}`}>{item.sku}</a>
                  </td>
                  <td>{item.title}</td>
                  <td>{item.quantity}</td>
                  <td>{money(item.unitPrice)}</td>
                  <td>{money(item.lineTotal)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Total
                </th>
                <td>{money(order.totals.total)}</td>
              </tr>
            </tfoot>
          </table>
        </section>
        <section aria-labelledby="ship-to" class="panel">
          <h2 id="ship-to">Ship to</h2>
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
        </section>
      </div>
      {order.status === 'RETURNED' || order.status === 'CANCELLED' ? (
        <p class="hint">No further events: the order is {statusLabel(order.status).toLowerCase()}.</p>
      ) : (
        <RecordEvent key={order.status} config={config} order={order} onRecorded={setOrder} />
      )}
      <section aria-labelledby="events" class="panel">
        <h2 id="events">Events</h2>
        <ol class="events" aria-label="Order events">
          {order.events.map((event) => (
            <li key={event.seq}>
              <strong>{event.type}</strong> <time dateTime={event.at}>{dateTime(event.at)}</time>
              {eventDetails(event.data)}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}

/** The parts of an event's data a merchant reads (carrier, tracking number, reason…); the placement's receipt is left out. */
function eventDetails(data: Record<string, unknown>) {
  const shown = ['carrier', 'trackingNumber', 'reason', 'source', 'actor']
    .filter((name) => typeof data[name] === 'string' || typeof data[name] === 'number')
    .map((name) => `${name === 'trackingNumber' ? 'tracking' : name}: ${String(data[name])}`);
  return shown.length > 0 ? <span class="event-data"> · {shown.join(' · ')}</span> : null;
}

function RecordEvent({ config, order, onRecorded }: { config: WebConfig; order: Order; onRecorded: (order: Order) => void }) {
  const [type, setType] = useState<EventInput['type']>(NEXT[order.status] ?? 'PICKED');
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [reason, setReason] = useState<ReturnReason>('unwanted');
  const [problem, setProblem] = useState<Problem>();
  const [sending, setSending] = useState(false);
  const [key, setKey] = useState(idempotencyKey());

  async function submit(event: Event) {
    event.preventDefault();
    const body: EventInput = type === 'SHIPPED' ? { type, carrier: carrier.trim(), trackingNumber: tracking.trim() } : type === 'RETURNED' ? { type, reason } : { type };
    setSending(true);
    const result = await run((signal) =>
      api.POST('/v1/shops/{shopId}/admin/orders/{orderId}/events', {
        signal,
        params: { path: { shopId: config.shopId, orderId: order.orderId }, header: { 'idempotency-key': key } },
        body,
      }),
    );
    setSending(false);
    if (result.problem) {
      if (result.problem.status !== 0 && result.problem.status < 500) setKey(idempotencyKey());
      return setProblem(result.problem);
    }
    setProblem(undefined);
    setKey(idempotencyKey());
    onRecorded(result.data);
  }

  return (
    <form onSubmit={(event) => void submit(event)} class="panel event-form" aria-labelledby="record">
      <h2 id="record">Record an event</h2>
      <label for="event-type">Event</label>
      <select id="event-type" name="type" value={type} onChange={(e) => setType(e.currentTarget.value as EventInput['type'])}>
        {EVENT_TYPES.map((t) => (
          <option key={t} value={t}>
            {statusLabel(t)}
          </option>
        ))}
      </select>
      {type === 'SHIPPED' && (
        <>
          <label>
            Carrier <input name="carrier" value={carrier} onInput={(e) => setCarrier(e.currentTarget.value)} />
          </label>
          <label>
            Tracking number <input name="trackingNumber" value={tracking} onInput={(e) => setTracking(e.currentTarget.value)} />
          </label>
        </>
      )}
      {type === 'RETURNED' && (
        <>
          <label for="return-reason">Return reason</label>
          <select id="return-reason" name="reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as ReturnReason)}>
            {RETURN_REASONS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </>
      )}
      <button type="submit" disabled={sending}>
        Record event
      </button>
      <ProblemAlert problem={problem} context="The event was refused" />
    </form>
  );
}
