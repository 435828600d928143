import { z } from 'zod';
import type { Money } from '#shared/catalog/product';
import { DomainError } from '#shared/errors';
import type { Order, OrderEvent, OrderPlacement, OrderStatus, ShippingAddress } from '#shared/orders/order';

/**
 * The customer emails of an order, one per event that a customer cares about, as pure
 * functions of the order and the event: no I/O, so a test reads exactly what is sent.
 * Every value that comes from a customer, a merchant or a carrier is HTML-escaped.
 */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The statuses that email the customer; the others (PENDING, PICKED) send nothing. */
export const EMAILED_STATUSES = ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED'] as const satisfies readonly OrderStatus[];
export type EmailedStatus = (typeof EMAILED_STATUSES)[number];

export function isEmailed(status: OrderStatus): status is EmailedStatus {
  return (EMAILED_STATUSES as readonly OrderStatus[]).includes(status);
}

/** The event's data does not have what its email needs (a SHIPPED event without tracking number). */
export class MalformedOrderEventError extends DomainError {
  constructor(status: OrderStatus, problems: readonly string[]) {
    super('malformed_order_event', `The ${status} event lacks what its email needs: ${problems.join('; ')}.`, { problems });
  }
}

const MoneyData = z.object({ amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) });
const ShippedData = z.object({ carrier: z.string().min(1), trackingNumber: z.string().min(1) });
const CancelledData = z.object({ reason: z.string().optional() });
/** `amount` is Money, or minor units in the order's currency; absent means the whole order. */
const ReturnedData = z.object({
  reason: z.string().optional(),
  refundId: z.string().optional(),
  amount: z.union([MoneyData, z.number().int().nonnegative()]).optional(),
});

const LOCALE = 'en-US';
const formats = new Map<string, Intl.NumberFormat>();

/** `{amount: 1999, currency: 'USD'}` → `$19.99`; the currency's own minor units (JPY 0, USD 2, KWD 3). */
export function formatMoney({ amount, currency }: Money, locale = LOCALE): string {
  const id = `${locale}|${currency}`;
  let format = formats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(id, format);
  }
  const minorDigits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** minorDigits);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** What an email is written from: the order's id and its receipt (an Order is one). */
export type EmailedOrder = Pick<Order, 'orderId'> & { readonly placement: Pick<OrderPlacement, 'email' | 'lines' | 'totals' | 'shippingAddress'> };

/** The email of `event` for the order's customer, or undefined for a status that sends none. */
export function renderOrderEmail(order: EmailedOrder, event: Pick<OrderEvent, 'type' | 'data'>): RenderedEmail | undefined {
  switch (event.type) {
    case 'CONFIRMED':
      return confirmed(order);
    case 'SHIPPED':
      return shipped(order, parse(event, ShippedData));
    case 'DELIVERED':
      return delivered(order);
    case 'CANCELLED':
      return cancelled(order, parse(event, CancelledData));
    case 'RETURNED':
      return returned(order, parse(event, ReturnedData));
    default:
      return undefined;
  }
}

function parse<T>(event: Pick<OrderEvent, 'type' | 'data'>, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(event.data);
  if (!parsed.success)
    throw new MalformedOrderEventError(
      event.type,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`),
    );
  return parsed.data;
}

function confirmed(order: EmailedOrder): RenderedEmail {
  const { lines, totals, shippingAddress } = order.placement;
  const rows = lines.map((line) => ({
    title: line.title,
    sku: line.sku,
    quantity: String(line.quantity),
    unitPrice: formatMoney(line.unitPrice),
    lineTotal: formatMoney(line.lineTotal),
  }));
  const subtotal = formatMoney(totals.subtotal);
  const total = formatMoney(totals.total);
  const address = addressLines(shippingAddress);
  const intro = `Thank you for your order ${order.orderId}. We will let you know when it ships.`;

  const text = [
    `Hello ${shippingAddress.name},`,
    '',
    intro,
    '',
    ...rows.map((r) => `${r.quantity} x ${r.title} (${r.sku}) at ${r.unitPrice} each: ${r.lineTotal}`),
    '',
    `Subtotal: ${subtotal}`,
    `Total: ${total}`,
    '',
    'Shipping to:',
    ...address,
  ].join('\n');

  const cell = (value: string, align: 'left' | 'right' = 'left') => `<td style="padding:4px 8px;text-align:${align}">${escapeHtml(value)}</td>`;
  const html = page(`Order ${order.orderId} confirmed`, [
    `<p>Hello ${escapeHtml(shippingAddress.name)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<table style="border-collapse:collapse">',
    '<thead><tr><th style="text-align:left;padding:4px 8px">Item</th><th style="text-align:right;padding:4px 8px">Quantity</th><th style="text-align:right;padding:4px 8px">Unit price</th><th style="text-align:right;padding:4px 8px">Total</th></tr></thead>',
    '<tbody>',
    ...rows.map(
      (r) =>
        `<tr><td style="padding:4px 8px">${escapeHtml(r.title)}<br><small>${escapeHtml(r.sku)}</small></td>${cell(r.quantity, 'right')}${cell(r.unitPrice, 'right')}${cell(r.lineTotal, 'right')}</tr>`,
    ),
    '</tbody>',
    '<tfoot>',
    `<tr><td colspan="3" style="padding:4px 8px;text-align:right">Subtotal</td>${cell(subtotal, 'right')}</tr>`,
    `<tr><td colspan="3" style="padding:4px 8px;text-align:right"><strong>Total</strong></td><td style="padding:4px 8px;text-align:right"><strong>${escapeHtml(total)}</strong></td></tr>`,
    '</tfoot>',
    '</table>',
    `<p>Shipping to:<br>${address.map(escapeHtml).join('<br>')}</p>`,
  ]);
  return { subject: subject(`Order ${order.orderId} confirmed`), text, html };
}

function shipped(order: EmailedOrder, { carrier, trackingNumber }: z.infer<typeof ShippedData>): RenderedEmail {
  const { name } = order.placement.shippingAddress;
  const intro = `Your order ${order.orderId} is on its way.`;
  const text = [`Hello ${name},`, '', intro, '', `Carrier: ${carrier}`, `Tracking number: ${trackingNumber}`].join('\n');
  const html = page(`Order ${order.orderId} shipped`, [
    `<p>Hello ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p>Carrier: ${escapeHtml(carrier)}<br>Tracking number: <strong>${escapeHtml(trackingNumber)}</strong></p>`,
  ]);
  return { subject: subject(`Your order ${order.orderId} has shipped`), text, html };
}

function delivered(order: EmailedOrder): RenderedEmail {
  const { name } = order.placement.shippingAddress;
  const intro = `Your order ${order.orderId} has been delivered. We hope you enjoy it.`;
  const text = [`Hello ${name},`, '', intro].join('\n');
  const html = page(`Order ${order.orderId} delivered`, [`<p>Hello ${escapeHtml(name)},</p>`, `<p>${escapeHtml(intro)}</p>`]);
  return { subject: subject(`Your order ${order.orderId} was delivered`), text, html };
}

/** The cancellation reasons the orders context records, in the customer's words; others are shown as they are. */
const CANCEL_REASONS: Readonly<Record<string, string>> = {
  customer_request: 'you asked us to cancel it',
  payment_failed: 'the payment could not be completed',
  payment_canceled: 'the payment was cancelled',
  reservation_expired: 'the payment was not completed in time',
};

function cancelled(order: EmailedOrder, data: z.infer<typeof CancelledData>): RenderedEmail {
  const { name } = order.placement.shippingAddress;
  const reason = data.reason === undefined ? undefined : (CANCEL_REASONS[data.reason] ?? data.reason.replace(/_/g, ' '));
  const intro = `Your order ${order.orderId} has been cancelled. You will not be charged for it.`;
  const text = [`Hello ${name},`, '', intro, ...(reason ? ['', `Reason: ${reason}`] : [])].join('\n');
  const html = page(`Order ${order.orderId} cancelled`, [`<p>Hello ${escapeHtml(name)},</p>`, `<p>${escapeHtml(intro)}</p>`, ...(reason ? [`<p>Reason: ${escapeHtml(reason)}</p>`] : [])]);
  return { subject: subject(`Your order ${order.orderId} was cancelled`), text, html };
}

function returned(order: EmailedOrder, { refundId, amount }: z.infer<typeof ReturnedData>): RenderedEmail {
  const { name } = order.placement.shippingAddress;
  const { total } = order.placement.totals;
  const refund = formatMoney(amount === undefined ? total : typeof amount === 'number' ? { amount, currency: total.currency } : amount);
  const intro = `We have received the return of your order ${order.orderId} and refunded ${refund}.`;
  const note = 'The refund goes back to the card you paid with; your bank may take a few days to show it.';
  const text = [`Hello ${name},`, '', intro, note, ...(refundId ? ['', `Refund reference: ${refundId}`] : [])].join('\n');
  const html = page(`Refund for order ${order.orderId}`, [
    `<p>Hello ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p>${escapeHtml(note)}</p>`,
    ...(refundId ? [`<p>Refund reference: ${escapeHtml(refundId)}</p>`] : []),
  ]);
  return { subject: subject(`Refund of ${refund} for order ${order.orderId}`), text, html };
}

function addressLines(address: ShippingAddress): string[] {
  return [address.name, address.line1, ...(address.line2 ? [address.line2] : []), `${address.postalCode} ${address.city}`, address.country];
}

/** A subject is one line: no newline from the data can reach a header. */
function subject(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function page(title: string, body: readonly string[]): string {
  return ['<!doctype html>', `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`, '<body style="font-family:sans-serif;line-height:1.4">', ...body, '</body></html>'].join(
    '\n',
  );
}
