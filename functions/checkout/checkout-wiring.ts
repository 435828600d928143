import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { dynamoOrderPlacement } from '#shared/adapters/dynamodb/order-placement';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import { paymentGateway } from '#shared/adapters/stripe/payment-gateway-from-config';
import type { FlashSaleHolds } from '#shared/checkout/checkout-ports';
import type { PaymentGateway } from '#shared/checkout/payment-gateway';
import { makePlaceOrder } from '#shared/checkout/place-order';
import { makeSettlePayments } from '#shared/checkout/settle-payments';
import { config, tableName } from '#shared/config';
import { NotFoundError } from '#shared/errors';
import { makeReservations } from '#shared/inventory/reserve-stock';
import { logger, metrics, MetricUnit } from '#shared/observability';
import { cart } from '../cart/cart-wiring';
import { orderStore } from '../orders/orders-wiring';

/** Checkout's use cases wired to DynamoDB, the cart, inventory's reservations and Stripe (made once per cold start). */
let reservationRepository: ReturnType<typeof dynamoReservationRepository> | undefined;
const reservationsTable = () => (reservationRepository ??= dynamoReservationRepository(documents, tableName('inventory')));
export const reservations = () => makeReservations({ reservations: reservationsTable(), defaultSeconds: config().RESERVATION_SECONDS });
export const placement = () => dynamoOrderPlacement(documents, orderStore(), reservationsTable());
export const idempotency = () => dynamoIdempotency();

/** No flash sale issues holds yet (issue 6 wires the sale's holds in here). */
const noFlashSaleHolds: FlashSaleHolds = {
  async claim(_shopId, holdId) {
    throw new NotFoundError(`Flash-sale hold ${holdId} does not exist or is not yours.`);
  },
};

/** Every action of the webhook, expiry and reconciler paths is logged and counted. */
const record = (action: string, details: Record<string, unknown>) => {
  logger.info(action, details);
  metrics.addMetric(action, MetricUnit.Count, 1);
};

/** Built once the payment gateway is (its keys may come from Secrets Manager); a failure is retried on the next call. */
function once<T>(build: (payments: PaymentGateway) => T): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= paymentGateway()
      .then(build)
      .catch((error: unknown) => {
        made = undefined;
        throw error;
      }));
}

export const checkout = once((payments) =>
  makePlaceOrder({ cart: cart(), reservations: reservations(), payments, orders: orderStore(), placement: placement(), flashSaleHolds: noFlashSaleHolds, log: (message, details) => logger.warn(message, details) }),
);

/** The webhook, expiry and reconciler paths: no cart, no catalog. */
export const settlement = once((payments) => makeSettlePayments({ orders: orderStore(), placement: placement(), reservations: reservations(), payments, record }));
