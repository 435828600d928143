import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoOrderStore } from '#shared/adapters/dynamodb/order-store';
import { tableName } from '#shared/config';
import type { OrderStore } from '#shared/orders/order-ports';

/** The orders table, opened once per cold start when a handler asks for it. */
let store: OrderStore | undefined;
export const orderStore = (): OrderStore => (store ??= dynamoOrderStore(documents, tableName('orders')));
