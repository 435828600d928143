import type { WebConfig } from '../../api-client/session';

/** The flash sale's waiting room (being built). */
export function FlashSale({ config, saleId }: { config: WebConfig; saleId: string }) {
  return (
    <section>
      <h1>Flash sale {saleId}</h1>
      <p>Shop {config.shopId}</p>
    </section>
  );
}
