import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoOrderStore } from '#shared/adapters/dynamodb/order-store';
import { paymentGateway } from '#shared/adapters/stripe/payment-gateway-from-config';
import { tableName } from '#shared/config';
import { makeManageOrders } from '#shared/orders/manage-orders';
import { makeTrackShipments } from '#shared/orders/track-shipments';

/** The orders table, opened once per cold start when a handler asks for it. */
let store: ReturnType<typeof dynamoOrderStore> | undefined;
export const orderStore = () => (store ??= dynamoOrderStore(documents, tableName('orders')));

/** Cancellation and fulfillment, which move money through the payment gateway. */
let manage: Promise<ReturnType<typeof makeManageOrders>> | undefined;
export function manageOrders() {
  manage ??= paymentGateway()
    .then((payments) => makeManageOrders({ orders: orderStore(), payments }))
    .catch((error: unknown) => {
      manage = undefined;
      throw error;
    });
  return manage;
}

/** Carrier tracking updates, on top of the fulfillment use case. */
let track: Promise<ReturnType<typeof makeTrackShipments>> | undefined;
export function trackShipments() {
  track ??= manageOrders()
    .then((manage) => makeTrackShipments({ orders: orderStore(), manage }))
    .catch((error: unknown) => {
      track = undefined;
      throw error;
    });
  return track;
}
