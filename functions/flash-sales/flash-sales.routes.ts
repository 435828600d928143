import { createSaleContract, enterSaleContract, getSaleContract, getTicketContract, saleReportContract } from '#shared/flash-sales/flash-sales.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { flashSalesFunctions } from './flash-sales.functions';

/**
 * The flash sales' routes. Merged into ROUTES (functions/routes.ts). The entry route takes the spike
 * (per-customer and per-sale token buckets in Redis behind this throttle). The sale routes together stay
 * well inside the account's default 10,000 requests/s, so a drop answers its own excess with 429 and never
 * starves other shops' checkouts; CloudFront answers most sale GETs.
 */
export const flashSalesRoutes: readonly Route[] = [
  route('POST', '/v1/shops/{shopId}/admin/flash-sales', flashSalesFunctions.createFlashSale, createSaleContract),
  route('GET', '/v1/shops/{shopId}/admin/flash-sales/{saleId}/report', flashSalesFunctions.flashSaleReport, saleReportContract),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}', flashSalesFunctions.getFlashSale, getSaleContract, { rateLimit: 1000, burstLimit: 2000 }),
  route('POST', '/v1/shops/{shopId}/flash-sales/{saleId}/entries', flashSalesFunctions.enterFlashSale, enterSaleContract, { rateLimit: 3000, burstLimit: 3000 }),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}', flashSalesFunctions.getFlashSaleTicket, getTicketContract, { rateLimit: 2000, burstLimit: 2000 }),
];
