import { removeCartItemContract } from '#shared/cart/cart.schema';
import { httpHandler } from '#shared/http/http-handler';
import { cart } from './cart-wiring';

export const handler = httpHandler(removeCartItemContract, async ({ params, identity }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await cart().setQuantity(params.shopId, identity.sub, params.sku, 0),
}));
