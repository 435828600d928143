import { getCartContract } from '#shared/cart/cart.schema';
import { httpHandler } from '#shared/http/http-handler';
import { cart } from './cart-wiring';

export const handler = httpHandler(getCartContract, async ({ params, identity }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await cart().getCart(params.shopId, identity.sub),
}));
