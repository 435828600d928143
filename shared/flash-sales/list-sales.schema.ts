import { z } from 'zod';
import { defineContract } from '#shared/http/contract';
import { IsoDateTime, page, PageQuery, ShopId } from '#shared/http/schemas';
import { SaleSchema } from './flash-sales.schema';

const ListedSaleSchema = SaleSchema.extend({
  status: SaleSchema.shape.status.meta({ description: 'By the clock: upcoming, live or ended (sold_out is on the sale’s own page, which reads the gate)' }),
  createdAt: IsoDateTime,
}).meta({ id: 'ListedFlashSale' });

export const listSalesContract = defineContract({
  operationId: 'listFlashSales',
  auth: 'admin',
  summary: 'The shop’s flash sales, newest first',
  tags: ['flash sales admin'],
  params: z.object({ shopId: ShopId }),
  query: PageQuery,
  responses: { 200: { description: 'One page of sales', schema: page(ListedSaleSchema) } },
});
