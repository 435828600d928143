import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportRecord } from '../../shared/catalog/product-import';
import { TABLES } from '../../shared/platform/tables';
import { crashPlatform, dataFileExists, within, type CrashPlatform } from './harness';
import { SHOP } from './shop';

/**
 * `npm start`'s demo catalog goes through the bulk import API and its queue worker. The
 * platform is killed by a crash point right after the worker wrote a chunk (before the queue
 * knows), then started again on the same data: the import must finish, exactly once (one
 * import, every line counted once, no import left running), and the inventory audit be clean.
 */
const PRODUCTS = 120; // one import of two chunks (100 and 20 lines)

let platform: CrashPlatform | undefined;
afterAll(async () => {
  await platform?.close();
});

type ImportItem = Pick<ImportRecord, 'importId' | 'total' | 'chunks' | 'chunksDone' | 'chunksFailed' | 'created' | 'updated' | 'failed'>;

/** The shop's import records, straight from the catalog table of the running platform. */
async function importsOf(p: CrashPlatform): Promise<ImportItem[]> {
  const env = p.runtimeEnv();
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  try {
    const items: ImportItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({
          TableName: env[TABLES.catalog.envVar],
          FilterExpression: 'sk = :record AND shopId = :shop',
          ExpressionAttributeValues: { ':record': 'IMPORT', ':shop': SHOP },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as ImportItem[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    documents.destroy();
  }
}

describe('the demo import, the platform killed with SIGKILL and restarted', () => {
  it('finishes exactly once', async () => {
    platform = await crashPlatform({ name: 'import', products: PRODUCTS });
    const began = Date.now();
    const seconds: Record<string, number> = {};
    const mark = (what: string) => (seconds[what] = Math.round((Date.now() - began) / 100) / 10);
    await platform.start({ crashPoint: 'import.chunk-written@1' });
    mark('started');
    await platform.crashed(90_000);
    mark('crashed');
    expect(dataFileExists(platform, `demo-catalog-${PRODUCTS}.done`)).toBe(false);

    await platform.start();
    const p = platform;
    const seeded = await within(
      90_000,
      async () => (dataFileExists(p, `demo-catalog-${PRODUCTS}.done`) ? true : undefined),
      () => `the demo catalog was not seeded. Last output:\n${p.output().split('\n').slice(-15).join('\n')}`,
    ).catch((error: Error) => error.message);
    mark('seeded');
    const imports = await importsOf(p);
    const audit = await p.auditInventory(SHOP);
    const summary = {
      products: PRODUCTS,
      seeded,
      imports: imports.map(({ importId, total, chunks, chunksDone, chunksFailed, created, updated, failed }) => ({ importId, total, chunks, chunksDone, chunksFailed, created, updated, failed })),
      importsLeftRunning: imports.filter((i) => i.chunksDone + i.chunksFailed < i.chunks).length,
      auditFindings: audit,
      seconds,
    };
    console.log(`crash import ${JSON.stringify(summary, null, 1)}`);

    expect(summary.seeded, 'the demo catalog is seeded after the restart').toBe(true);
    expect(summary.importsLeftRunning, 'no import is left running').toBe(0);
    expect(imports, 'one import, not a second one started over the first').toHaveLength(1);
    const [only] = imports;
    expect(only).toMatchObject({ total: PRODUCTS, chunks: 2, chunksDone: 2, chunksFailed: 0, failed: 0 });
    expect(only!.created + only!.updated, 'every line counted once').toBe(PRODUCTS);
    expect(audit, 'the inventory audit is clean').toEqual([]);
  });
});
