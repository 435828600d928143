import type { components } from '../../api-client/client';

export type Ticket = components['schemas']['FlashSaleTicket'];

/** What a reload needs to resume a ticket: its number, its stream and until when the stream token holds. */
export interface StoredTicket {
  readonly ticket: number;
  readonly streamUrl?: string;
  readonly ticketEndsAt?: string;
  /** The last state seen, shown at once on a reload before the stream or a poll answers. */
  readonly last?: Ticket;
}

/** One ticket per shop, sale and customer (the API gives a customer one ticket per sale). */
const keyOf = (shopId: string, saleId: string, sub: string) => `commerce.flashSale.${shopId}.${saleId}.${sub}`;

export function loadTicket(shopId: string, saleId: string, sub: string): StoredTicket | undefined {
  try {
    const raw = localStorage.getItem(keyOf(shopId, saleId, sub));
    const stored = raw ? (JSON.parse(raw) as StoredTicket) : undefined;
    return stored && Number.isInteger(stored.ticket) && stored.ticket > 0 ? stored : undefined;
  } catch {
    return undefined; // a damaged entry: as if none
  }
}

export function saveTicket(shopId: string, saleId: string, sub: string, stored: StoredTicket): void {
  try {
    localStorage.setItem(keyOf(shopId, saleId, sub), JSON.stringify(stored));
  } catch {
    // storage full or refused: the ticket still works in this tab, a reload asks the API again (entering again answers the same ticket)
  }
}

export const isFinal = (status: Ticket['status']) => status !== 'queued';
