import { createSaleContract, enterSaleContract, getSaleContract, getTicketContract, saleReportContract, streamTicketContract } from '#shared/flash-sales/flash-sales.schema';
import { listSalesContract } from '#shared/flash-sales/list-sales.schema';
import { route } from '../define';
import type { Route } from '../definitions';
import { flashSalesFunctions } from './flash-sales.functions';

/** A ticket's server-sent events; the entry answer's `streamUrl` is this path with the ticket's stream token. */
export const STREAM_PATH = '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}/events';

/**
 * The flash sales' routes. Merged into ROUTES (functions/routes.ts). The entry route takes the spike
 * (per-customer and per-sale token buckets in Redis behind this throttle). The sale routes together stay
 * well inside the account's default 10,000 requests/s, so a drop answers its own excess with 429 and never
 * starves other shops' checkouts; CloudFront answers most sale GETs.
 */
export const flashSalesRoutes: readonly Route[] = [
  route('POST', '/v1/shops/{shopId}/admin/flash-sales', flashSalesFunctions.createFlashSale, createSaleContract),
  route('GET', '/v1/shops/{shopId}/admin/flash-sales', flashSalesFunctions.listFlashSales, listSalesContract),
  route('GET', '/v1/shops/{shopId}/admin/flash-sales/{saleId}/report', flashSalesFunctions.flashSaleReport, saleReportContract),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}', flashSalesFunctions.getFlashSale, getSaleContract, { rateLimit: 1000, burstLimit: 2000 }),
  route('POST', '/v1/shops/{shopId}/flash-sales/{saleId}/entries', flashSalesFunctions.enterFlashSale, enterSaleContract, { rateLimit: 3000, burstLimit: 3000 }),
  route('GET', '/v1/shops/{shopId}/flash-sales/{saleId}/entries/{ticket}', flashSalesFunctions.getFlashSaleTicket, getTicketContract, { rateLimit: 2000, burstLimit: 2000 }),
  // Streamed (a function URL behind CloudFront in AWS): the throttle is the local gateway's; in AWS the function's concurrency bounds it.
  route('GET', STREAM_PATH, flashSalesFunctions.streamFlashSaleTicket, streamTicketContract, { rateLimit: 2000, burstLimit: 5000 }, { responseStreaming: true }),
];
