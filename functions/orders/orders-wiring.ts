import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoOrderStore } from '#shared/adapters/dynamodb/order-store';
import { paymentGateway } from '#shared/adapters/stripe/payment-gateway-from-config';
import { tableName } from '#shared/config';
import { makeManageOrders } from '#shared/orders/manage-orders';
import { makeTrackShipments } from '#shared/orders/track-shipments';
import { lazy, memoizeWithRetry } from '#shared/platform/memoize';

/** The orders table, opened once per cold start when a handler asks for it. */
export const orderStore = lazy(() => dynamoOrderStore(documents, tableName('orders')));

/** Cancellation and fulfillment, which move money through the payment gateway (its keys may come from Secrets Manager: a failure is retried on the next call). */
export const manageOrders = memoizeWithRetry(async () => makeManageOrders({ orders: orderStore(), payments: await paymentGateway() }));

/** Carrier tracking updates, on top of the fulfillment use case. */
export const trackShipments = memoizeWithRetry(async () => makeTrackShipments({ orders: orderStore(), manage: await manageOrders() }));
