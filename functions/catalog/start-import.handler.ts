import { dynamoIdempotency } from '#shared/adapters/dynamodb/idempotency-store';
import { makeStartProductImport } from '#shared/catalog/import-products';
import { startImportContract } from '#shared/catalog/import.schema';
import { httpHandler } from '#shared/http/http-handler';
import { importQueue, importStore, shopCurrency } from './catalog-wiring';

const startProductImport = makeStartProductImport({ store: importStore(), queue: importQueue(), shopCurrency: shopCurrency() });

export const handler = httpHandler(
  startImportContract,
  async ({ params, body, identity, headers }) => {
    // The edge has checked the Idempotency-Key (required) before this runs.
    const started = await startProductImport({ shopId: params.shopId, actor: identity.sub, requestKey: headers['idempotency-key']!.trim(), ndjson: body });
    return { status: 202, headers: { location: `/v1/shops/${params.shopId}/admin/products/imports/${started.importId}` }, body: started };
  },
  { idempotency: dynamoIdempotency() },
);
