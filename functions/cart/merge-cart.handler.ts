import { mergeCartContract } from '#shared/cart/cart.schema';
import { httpHandler } from '#shared/http/http-handler';
import { cart } from './cart-wiring';

export const handler = httpHandler(mergeCartContract, async ({ params, body, identity }) => ({
  status: 200,
  headers: { 'cache-control': 'private, no-store' },
  body: await cart().merge(params.shopId, identity.sub, body.items),
}));
