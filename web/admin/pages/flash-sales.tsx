import type { WebConfig } from '../../api-client/session';
import { CreateSale } from '../flash-sales/create-sale';
import { SaleDashboard } from '../flash-sales/dashboard';
import { SaleList } from '../flash-sales/sale-list';

/** Flash sales: the list and the creation form at /admin/flash-sales; a sale's live dashboard and report at /admin/flash-sales/:saleId. */
export function FlashSales({ config, saleId }: { config: WebConfig; saleId?: string }) {
  if (saleId) return <SaleDashboard shopId={config.shopId} saleId={saleId} />;
  return (
    <section aria-labelledby="flash-sales-title">
      <h1 id="flash-sales-title">Flash sales</h1>
      <SaleList shopId={config.shopId} />
      <CreateSale shopId={config.shopId} />
    </section>
  );
}
