import { cartSave } from '#shared/adapters/dynamodb/cart-repository';
import { dynamoCheckoutKeys } from '#shared/adapters/dynamodb/checkout-keys';
import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { dynamoOrderPlacement } from '#shared/adapters/dynamodb/order-placement';
import { paymentGateway } from '#shared/adapters/stripe/payment-gateway-from-config';
import type { FlashSaleHolds } from '#shared/checkout/checkout-ports';
import type { PaymentGateway } from '#shared/checkout/payment-gateway';
import { makePlaceOrder } from '#shared/checkout/place-order';
import { makeSettlePayments } from '#shared/checkout/settle-payments';
import { config, tableName } from '#shared/config';
import { priceLine } from '#shared/catalog/product';
import { NotFoundError } from '#shared/errors';
import { makeFlashSaleHolds } from '#shared/flash-sales/flash-sale-holds';
import { MAX_HOLD_SECONDS } from '#shared/flash-sales/flash-sale';
import { FUNCTIONS } from '#functions/registry';
import { logger, metrics, MetricUnit } from '#shared/observability';
import { lazy, memoizeWithRetry } from '#shared/platform/memoize';
import { cart } from '../cart/cart-wiring';
import { products } from '../catalog/catalog-wiring';
import { sales } from '../flash-sales/flash-sale-wiring';
import { reservationRepository, reservations } from '../inventory/inventory-wiring';
import { orderStore } from '../orders/orders-wiring';

/** Checkout's Idempotency-Key records, kept by the use case itself (read with the cart, claimed with the reservation, answered with the order). */
export const checkoutKeys = lazy(() => dynamoCheckoutKeys(documents, { keysTable: tableName('idempotency'), cartsTable: tableName('carts'), reservations: reservationRepository() }));
/** Checkout's use cases wired to DynamoDB, the cart, inventory's reservations and Stripe (made once per cold start). */
export const placement = lazy(() =>
  dynamoOrderPlacement(documents, orderStore(), reservationRepository(), {
    answerWrite: (claim, answer) => checkoutKeys().answerWrite(claim, answer),
    cartWrite: (cart, expectedVersion) => cartSave(tableName('carts'), cart, expectedVersion),
  }),
);
export const idempotency = () => dynamoIdempotency();
/** Kept beyond checkout's timeout before a record left in progress by a dead process lets the retry run (clocks of two processes). */
const IN_PROGRESS_MARGIN_MS = 5_000;
const checkoutTimeoutMs = () => FUNCTIONS.checkout.timeoutSeconds * 1000;

/**
 * How checkout keeps its Idempotency-Key records: a record left in progress by a process
 * that died (a crash, a timeout) lets the client's retry run once the function's timeout
 * and a margin are past, and the retry then finishes the checkout or answers the order
 * placed; a duplicate of a live checkout waits for its answer as long as its own
 * invocation has time left. Its own reservation lasts RESERVATION_SECONDS.
 */
export const keyKeeping = () => ({
  keys: checkoutKeys(),
  inProgressMs: checkoutTimeoutMs() + IN_PROGRESS_MARGIN_MS,
  waitForAnswerMs: checkoutTimeoutMs(),
  reservationSeconds: config().RESERVATION_SECONDS,
});

/** The longest any hold checkout commits can live: a checkout's or cart's reservation, or a flash-sale hold. */
export const longestHoldSeconds = () => Math.max(config().RESERVATION_SECONDS, MAX_HOLD_SECONDS);

/** Checkout's second reservation source: a won flash-sale hold, priced from the catalog. */
const flashSaleHolds = (): FlashSaleHolds => {
  const holds = makeFlashSaleHolds({ reservations: reservations(), recordHoldOf: (shopId, holdId, customerId) => sales().recordHoldOf(shopId, holdId, customerId) });
  return {
    async claim(shopId, holdId, customerId) {
      const hold = await holds.claim(shopId, holdId, customerId);
      const variants = await products().variants(
        shopId,
        hold.lines.map((l) => l.sku),
      );
      const lines = hold.lines.map((line) => {
        const variant = variants.get(line.sku);
        if (!variant) throw new NotFoundError(`SKU ${line.sku} of flash-sale hold ${holdId} is no longer sold.`);
        return priceLine(line, variant);
      });
      return { saleId: hold.saleId, reservationId: hold.reservationId, lines };
    },
    release: (shopId, holdId) => holds.release(shopId, holdId),
  };
};

/** Every action of the webhook, expiry and reconciler paths is logged and counted. */
const record = (action: string, details: Record<string, unknown>) => {
  logger.info(action, details);
  metrics.addMetric(action, MetricUnit.Count, 1);
};

/** Built once the payment gateway is (its keys may come from Secrets Manager); a failure is retried on the next call. */
const withPayments = <T>(build: (payments: PaymentGateway) => T) => memoizeWithRetry(() => paymentGateway().then(build));

export const checkout = withPayments((payments) =>
  makePlaceOrder({
    cart: cart(),
    reservations: reservations(),
    ...keyKeeping(),
    payments,
    orders: orderStore(),
    placement: placement(),
    flashSaleHolds: flashSaleHolds(),
    log: (message, details) => logger.warn(message, details),
  }),
);

/** The webhook, expiry and reconciler paths: no cart, no catalog. */
export const settlement = withPayments((payments) => makeSettlePayments({ orders: orderStore(), placement: placement(), reservations: reservations(), payments, record }));
