import { parseArgs } from 'node:util';
import { useRunningPlatform } from './local/runtime-env';

/**
 * `npm run audit:inventory -- [--shop demo]`: checks, for every SKU of the shop in the
 * running platform, onHand = available + reserved + sold with no counter negative, and
 * that the ledger sums to the counters; prints what is wrong and exits 1 if anything is.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    shop: { type: 'string', default: 'demo' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
  },
});
const runtime = useRunningPlatform(values['data-dir']);
const [{ documents }, { dynamoStockRepository, dynamoInventoryScan }, { tableName }, { makeAuditInventory }] = await Promise.all([
  import('#shared/adapters/dynamodb/client'),
  import('#shared/adapters/dynamodb/stock-repository'),
  import('#shared/config'),
  import('#shared/inventory/audit-inventory'),
]);
const table = tableName('inventory');
const audit = makeAuditInventory({ stock: dynamoStockRepository(documents, table), scan: dynamoInventoryScan(documents, table) });
console.log(`Auditing the inventory of shop \`${values.shop}\` at ${runtime.url}…`);
const result = await audit(values.shop, (checked) => process.stdout.write(`\r  ${checked} SKUs checked`));
process.stdout.write('\n');
for (const finding of result.findings) console.log(`  ✗ ${finding.sku}: ${finding.problem}`);
console.log(result.findings.length === 0 ? `OK: ${result.checked} SKUs, counters and ledger agree.` : `${result.findings.length} problems in ${result.checked} SKUs.`);
process.exit(result.findings.length === 0 ? 0 : 1);
