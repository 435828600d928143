import type { WebConfig } from '../../api-client/session';

/** Flash sales: create one, its live dashboard, its report (being built). */
export function FlashSales({ config, saleId }: { config: WebConfig; saleId?: string }) {
  return (
    <section>
      <h1>Flash sales</h1>
      <p>
        Shop {config.shopId} {saleId}
      </p>
    </section>
  );
}
