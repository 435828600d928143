import { dynamoCartRepository } from '#shared/adapters/dynamodb/cart-repository';
import { documents } from '#shared/adapters/dynamodb/client';
import { makeManageCart } from '#shared/cart/manage-cart';
import { tableName } from '#shared/config';
import { NotFoundError } from '#shared/errors';
import { ReservationNotActiveError } from '#shared/inventory/reservations';
import { lazy } from '#shared/platform/memoize';
import { products, shopCurrency } from '../catalog/catalog-wiring';
import { reservations } from '../inventory/inventory-wiring';

/** The cart's use cases wired to DynamoDB, the catalog's variants and inventory's reservations. */
export const cart = lazy(() =>
  makeManageCart({
    carts: dynamoCartRepository(documents, tableName('carts')),
    variants: (shopId, skus) => products().variants(shopId, skus),
    holds: {
      hold: async (shopId, sku, quantity, customerId) =>
        (await reservations().reserve({ shopId, lines: [{ sku, quantity }], source: 'cart', reference: customerId, expiresInSeconds: 15 * 60 })).reservationId,
      release: async (shopId, reservationId) => {
        await reservations()
          .release(shopId, reservationId, 'cart')
          .catch((error: unknown) => {
            // Already expired (the sweeper returned the units) or committed by a checkout.
            if (!(error instanceof ReservationNotActiveError) && !(error instanceof NotFoundError)) throw error;
          });
      },
    },
    shopCurrency: shopCurrency(),
  }),
);
