import { z } from 'zod';
import type { OrderStatus } from '#shared/orders/order';
import type { OrderStore } from '#shared/orders/order-ports';
import { MailNotSentError, type Mailer, type SentOnce } from './notification-ports';
import { isEmailed, MalformedOrderEventError, renderOrderEmail, type EmailedOrder } from './order-emails';

/** What the orders outbox publishes as `OrderStatusChanged` (shared/orders/publish-order-events.ts). */
export interface OrderStatusChanged {
  readonly shopId: string;
  readonly orderId: string;
  readonly customerId?: string;
  readonly seq: number;
  readonly status: OrderStatus;
  readonly at?: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type NotifyOutcome = 'sent' | 'skipped' | 'duplicate';

/** Structured logging as the use case needs it (the Powertools logger fits). */
export interface NotificationLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

const silent: NotificationLogger = { info() {}, warn() {}, error() {} };

export interface NotifyOrderEventDeps {
  readonly orders: Pick<OrderStore, 'load'>;
  readonly mailer: Mailer;
  readonly sentOnce: SentOnce;
  readonly fromAddress: string;
  readonly logger?: NotificationLogger;
}

const MoneyShape = z.object({ amount: z.number().int(), currency: z.string() });
/** The receipt a CONFIRMED event carries (shared/checkout/place-order.ts, confirmationData). */
const Receipt = z.object({
  email: z.string().min(1),
  lines: z.array(z.object({ sku: z.string(), title: z.string(), quantity: z.number().int(), unitPrice: MoneyShape, lineTotal: MoneyShape })),
  totals: z.object({ subtotal: MoneyShape, total: MoneyShape }),
  shippingAddress: z.object({ name: z.string(), line1: z.string(), line2: z.string().optional(), city: z.string(), postalCode: z.string(), country: z.string() }),
});

function receiptOf(event: OrderStatusChanged): EmailedOrder | undefined {
  if (event.status !== 'CONFIRMED') return undefined;
  const receipt = Receipt.safeParse(event.data.receipt);
  return receipt.success ? { orderId: event.orderId, placement: receipt.data } : undefined;
}

/** The dedupe key of one event's email: one (shop, order, seq) sends at most one email. */
export const emailKey = ({ shopId, orderId, seq }: Pick<OrderStatusChanged, 'shopId' | 'orderId' | 'seq'>): string => `email:${shopId}:${orderId}:${seq}`;

/**
 * notifyOrderEvent: the customer's email for one order event, sent at most once however
 * often (or concurrently) the event arrives. The email is rendered before anything is
 * recorded, so an event that sends nothing (PENDING, PICKED, a missing order, malformed
 * data) leaves no trace; a mail service refusal gives the claim back and throws, so the
 * retry can send; an unknown outcome (timeout) keeps the claim and throws.
 */
export function makeNotifyOrderEvent({ orders, mailer, sentOnce, fromAddress, logger = silent }: NotifyOrderEventDeps) {
  return async function notifyOrderEvent(event: OrderStatusChanged): Promise<NotifyOutcome> {
    const { shopId, orderId, seq, status } = event;
    const keys = { shopId, orderId, seq, status };
    if (!isEmailed(status)) return 'skipped';

    // A confirmation carries its receipt: no read of the order (older events without one load it).
    const order = receiptOf(event) ?? (await orders.load(shopId, orderId));
    if (!order) {
      logger.warn('order not found: no email sent', keys);
      return 'skipped';
    }
    let email;
    try {
      email = renderOrderEmail(order, { type: status, data: event.data });
    } catch (error) {
      // Malformed data will not get better with retries: log it and drop it.
      if (!(error instanceof MalformedOrderEventError)) throw error;
      logger.error('malformed order event: no email sent', { ...keys, problems: error.extra.problems });
      return 'skipped';
    }
    if (!email) return 'skipped';

    const key = emailKey(event);
    // Record, then send: a crash between the two loses this one email, where send-then-record could send it twice (at most one).
    if (!(await sentOnce.claim(key))) {
      logger.info('email already sent for this event', keys);
      return 'duplicate';
    }
    let messageId: string;
    try {
      ({ messageId } = await mailer.send({
        to: order.placement.email,
        from: fromAddress,
        ...email,
        tags: { type: `order-${status.toLowerCase()}`, shopId, orderId },
      }));
    } catch (error) {
      if (error instanceof MailNotSentError) {
        await sentOnce.release(key);
        logger.warn('mail service refused the email: claim released for a retry', { ...keys, error: error.message });
      } else {
        logger.error('email may or may not have gone out: kept as sent, not retried', { ...keys, key, error: (error as Error).message });
      }
      throw error;
    }
    // The claim blocks a second email; the message id is kept in the log, not in another write.
    logger.info('email sent', { ...keys, key, messageId });
    return 'sent';
  };
}
