import { checkoutContract } from '#shared/checkout/checkout.schema';
import { httpHandler } from '#shared/http/http-handler';
import { keptByTheUseCase } from '#shared/http/idempotency';
import { orderView } from '#shared/orders/order-views';
import { checkout } from './checkout-wiring';

/** POST /checkout: the saga; 201 CONFIRMED, or 202 PENDING with the 3-D Secure step to do. The saga keeps its Idempotency-Key record itself. */
export const handler = httpHandler(
  checkoutContract,
  async ({ params, body, identity, headers }) => {
    const placeOrder = await checkout();
    const result = await placeOrder({ shopId: params.shopId, customerId: identity.sub, idempotencyKey: headers['idempotency-key']!, ...body });
    const view = orderView(result.order);
    const noStore = { 'cache-control': 'private, no-store' };
    if (result.outcome === 'requires_action') return { status: 202, headers: noStore, body: { ...view, nextAction: result.nextAction } };
    return { status: 201, headers: { ...noStore, location: `/v1/shops/${params.shopId}/orders/${view.orderId}` }, body: view };
  },
  { idempotency: keptByTheUseCase() },
);
