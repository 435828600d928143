import { saleStatus, type FlashSale, type SaleStatus } from './flash-sale';

/** What the shop's list of sales shows of each: the sale's fixed terms (a sale is never edited). */
export type ListedSale = Pick<FlashSale, 'saleId' | 'sku' | 'units' | 'startsAt' | 'endsAt' | 'perCustomerLimit' | 'holdSeconds' | 'createdAt'>;

/** The shop's sales, newest first (written with the sale, in its creation's transaction). */
export interface SaleListing {
  page(shopId: string, options: { limit: number; cursor?: string }): Promise<{ items: ListedSale[]; nextCursor?: string }>;
}

export interface ListSalesDeps {
  readonly listing: SaleListing;
  readonly clock: () => Date;
}

/**
 * The merchant's list of sales: one Query of the shop's partition, no Redis. The status is the
 * clock's (upcoming, live, ended): `sold_out` needs the gate, which the sale's own page reads.
 */
export function makeListSales({ listing, clock }: ListSalesDeps) {
  return async (shopId: string, options: { limit: number; cursor?: string }): Promise<{ items: Array<ListedSale & { status: SaleStatus }>; nextCursor?: string }> => {
    const found = await listing.page(shopId, options);
    const now = clock();
    return { ...found, items: found.items.map((sale) => ({ ...sale, status: saleStatus({ ...sale, shopId }, undefined, now) })) };
  };
}
