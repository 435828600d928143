import { documents } from '#shared/adapters/dynamodb/client';
import { dynamoShopRepository } from '#shared/adapters/dynamodb/shop-repository';
import { tableName } from '#shared/config';
import { lazy } from '#shared/platform/memoize';

/** The shops table: the one place its repository is built (once per cold start, when a handler asks for it). */
export const shopRepository = lazy(() => dynamoShopRepository(documents, tableName('shops')));
