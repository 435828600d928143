import { getCartContract, mergeCartContract, removeCartItemContract, setCartItemContract } from '#shared/cart/cart.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { cartFunctions } from './cart.functions';

/** The cart's routes (customer). Merged into ROUTES (functions/routes.ts). */
export const cartRoutes: readonly Route[] = [
  route('GET', '/v1/shops/{shopId}/cart', cartFunctions.getCart, getCartContract),
  route('PUT', '/v1/shops/{shopId}/cart/items/{sku}', cartFunctions.setCartItem, setCartItemContract),
  route('DELETE', '/v1/shops/{shopId}/cart/items/{sku}', cartFunctions.removeCartItem, removeCartItemContract),
  route('POST', '/v1/shops/{shopId}/cart/merge', cartFunctions.mergeCart, mergeCartContract),
];
