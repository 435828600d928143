import { healthContract, healthDependenciesContract, notFoundContract, openApiContract } from '#shared/platform/health.schema';
import { createShopContract, getShopContract, updateShopContract } from '#shared/platform/shop.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { platformFunctions } from './platform.functions';

/** The platform's routes: health, the OpenAPI document, shops. Merged into ROUTES (functions/routes.ts). */
export const platformRoutes: readonly Route[] = [
  route('GET', '/v1/health', platformFunctions.health, healthContract, { rateLimit: 50, burstLimit: 100 }),
  // Operators only, and each call probes every dependency: a few a second is plenty.
  route('GET', '/v1/health/dependencies', platformFunctions.healthDependencies, healthDependenciesContract, { rateLimit: 5, burstLimit: 10 }),
  route('GET', '/v1/openapi.json', platformFunctions.openApi, openApiContract),
  // Operators only, a few shops at a time; one conditional write each.
  route('POST', '/v1/shops', platformFunctions.createShop, createShopContract, { rateLimit: 50, burstLimit: 100 }),
  route('GET', '/v1/shops/{shopId}', platformFunctions.shops, getShopContract),
  route('PATCH', '/v1/shops/{shopId}/admin/profile', platformFunctions.updateShop, updateShopContract),
];

/** Requests that match no route (API Gateway's `$default` route): DEFAULT_ROUTE. */
export const platformDefaultRoute = { function: platformFunctions.notFound, contract: notFoundContract } as const;
