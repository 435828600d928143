import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, ShopId } from '#shared/http/schemas';
import { MAX_HOLD_SECONDS } from './flash-sale';

const SaleId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a sale id');
const SaleParams = z.object({ shopId: ShopId, saleId: SaleId });
const Status = z.enum(['upcoming', 'live', 'sold_out', 'ended']);

export const CreateSaleInput = z
  .object({
    sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a SKU'),
    units: z.number().int().min(1).max(1_000_000),
    startsAt: IsoDateTime,
    endsAt: IsoDateTime,
    perCustomerLimit: z.number().int().min(1).max(99),
    holdSeconds: z.number().int().min(5).max(MAX_HOLD_SECONDS),
    /** Entries the merchant expects: sizes the capacity warmed before the start (docs/capacity.md). */
    expectedEntries: z.number().int().min(1).max(100_000_000).optional(),
  })
  .strict()
  .meta({ id: 'CreateFlashSale' });

export const SaleSchema = z
  .object({
    saleId: z.string(),
    sku: z.string(),
    status: Status,
    units: z.number().int(),
    startsAt: IsoDateTime,
    endsAt: IsoDateTime,
    perCustomerLimit: z.number().int(),
    holdSeconds: z.number().int(),
  })
  .meta({ id: 'FlashSale' });

const TicketSchema = z
  .object({
    ticket: z.number().int(),
    status: z.enum(['queued', 'won', 'lost', 'expired']),
    quantity: z.number().int(),
    position: z.number().int().optional(),
    holdId: z.string().optional(),
    holdExpiresAt: IsoDateTime.optional(),
    pollAfterMs: z.number().int().optional(),
    streamUrl: z.string().optional().meta({ description: 'Server-sent events of this ticket (EventSource): a path on the API origin with a ticket-scoped token' }),
    ticketEndsAt: IsoDateTime.optional().meta({ description: 'When the ticket can change no more; its stream token expires then' }),
  })
  .meta({ id: 'FlashSaleTicket' });

const SoldOut = z.object({ status: z.literal('sold_out') }).meta({ id: 'FlashSaleSoldOut' });

export const ReportSchema = z
  .object({
    status: Status,
    closed: z.boolean(),
    entries: z.number().int(),
    tickets: z.number().int(),
    won: z.number().int(),
    lost: z.number().int(),
    expired: z.number().int(),
    orders: z.number().int(),
    soldOutAnswers: z.number().int(),
    waiting: z.number().int(),
    inGate: z.number().int(),
    held: z.number().int(),
    unitsSold: z.number().int().meta({ description: 'Units of orders placed on holds' }),
    unitsReturned: z.number().int().meta({ description: 'Units the sale gave back to available (at and after its end)' }),
    redriven: z.number().int().meta({ description: 'Tickets the minute job decided because no worker had within the bound' }),
    repaired: z.number().int().meta({ description: 'States the minute job repaired: holds written, ended or voided, orders counted, held recounted, the gate' }),
  })
  .meta({ id: 'FlashSaleReport' });

export const createSaleContract = defineContract({
  operationId: 'createFlashSale',
  auth: 'admin',
  summary: 'Create a flash sale: its units move from available into the Redis gate',
  tags: ['flash sales admin'],
  params: z.object({ shopId: ShopId }),
  body: CreateSaleInput,
  idempotency: 'optional',
  responses: { 201: { description: 'The sale', schema: SaleSchema } },
  errors: [404, 409],
});

export const getSaleContract = defineContract({
  operationId: 'getFlashSale',
  auth: 'public',
  summary: 'A flash sale and its status; once sold out or ended the answer is cacheable',
  tags: ['flash sales'],
  params: SaleParams,
  responses: { 200: { description: 'The sale', schema: SaleSchema } },
  errors: [404],
});

export const enterSaleContract = defineContract({
  operationId: 'enterFlashSale',
  auth: 'customer',
  summary: 'Enter a live sale: a numbered ticket in the virtual queue, or sold out at once',
  tags: ['flash sales'],
  params: SaleParams,
  body: z
    .object({ quantity: z.number().int().min(1).max(99).default(1) })
    .strict()
    .optional()
    .meta({ id: 'FlashSaleEntry' }),
  responses: {
    200: { description: 'Sold out (cacheable), or the customer’s earlier ticket, already decided', schema: z.union([SoldOut, TicketSchema]) },
    202: { description: 'Queued: poll the ticket after pollAfterMs', schema: TicketSchema },
  },
  errors: [404, 409, 429, 503],
});

export const getTicketContract = defineContract({
  operationId: 'getFlashSaleTicket',
  auth: 'customer',
  summary: 'The caller’s ticket: queued (with its approximate position), won (with the hold), lost, expired',
  tags: ['flash sales'],
  params: SaleParams.extend({ ticket: z.coerce.number().int().min(1) }),
  responses: { 200: { description: 'The ticket', schema: TicketSchema } },
  errors: [404, 503],
});

export const streamTicketContract = defineContract({
  operationId: 'streamFlashSaleTicket',
  // No bearer token (EventSource cannot send one): the handler verifies the ticket-scoped stream token of the URL.
  auth: 'signed',
  summary: 'Server-sent events of a ticket: its state at once, then each change (event `status`), until a final status',
  tags: ['flash sales'],
  params: SaleParams.extend({ ticket: z.coerce.number().int().min(1) }),
  query: z.object({ token: z.string().max(2048) }),
  responses: {
    200: {
      description: '`text/event-stream`: `event: status`, an increasing `id:` (send it back as Last-Event-ID), `data:` the ticket as GET answers it; a comment at least every 15 s',
      contentType: 'text/event-stream',
    },
    204: { description: 'The stream has nothing more to send: Last-Event-ID names the final status already' },
  },
  errors: [400, 401, 403, 404, 503],
});

export const saleReportContract = defineContract({
  operationId: 'getFlashSaleReport',
  auth: 'admin',
  summary: 'The sale’s report: entries, tickets, winners, orders, expired holds, units returned',
  tags: ['flash sales admin'],
  params: SaleParams,
  responses: { 200: { description: 'The report (final once the sale is closed)', schema: ReportSchema } },
  errors: [404],
});
