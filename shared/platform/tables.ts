/**
 * The DynamoDB tables of the platform, as plain data. The CDK stack (lib/) and the
 * local runtime (bin/local/) both create tables from this list, so they cannot drift.
 * Adapters read the physical name from the environment variable named here.
 *
 * Key design: every table uses generic `pk`/`sk` keys whose values start with the shop id
 * (`SHOP#demo#...`), so a tenant's items never share a partition with another tenant's.
 * Each context owns its table; no context reads another's table (see architecture.md).
 */

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeType;
}

export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  /** ALL unless a narrower projection is named. */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  /** Logical name: construct id in CDK, name suffix locally. */
  readonly logicalName: string;
  /** Environment variable through which functions learn the physical name. */
  readonly envVar: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
  /** DynamoDB stream view type, when the table feeds a stream consumer. */
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** TTL attribute (epoch seconds). TTL only deletes old items; it never drives business logic. */
  readonly timeToLiveAttribute?: string;
  /** Whether the table holds state that must survive a stack deletion (RETAIN in CDK). */
  readonly retain: boolean;
  readonly description: string;
}

const S = (name: string): KeyDefinition => ({ name, type: 'S' });
const N = (name: string): KeyDefinition => ({ name, type: 'N' });

export const TABLES = {
  shops: {
    logicalName: 'Shops',
    envVar: 'TABLE_SHOPS',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    retain: true,
    description: 'Tenants: one item per shop (name, currency, settings).',
  },
  catalog: {
    logicalName: 'Catalog',
    envVar: 'TABLE_CATALOG',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [{ indexName: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
    stream: 'NEW_AND_OLD_IMAGES',
    retain: true,
    description: 'Products, variants and category listings; its stream feeds the search indexer.',
  },
  inventory: {
    logicalName: 'Inventory',
    envVar: 'TABLE_INVENTORY',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [{ indexName: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
    stream: 'NEW_AND_OLD_IMAGES',
    timeToLiveAttribute: 'ttl',
    retain: true,
    description: 'Per-SKU counters, the movement ledger and reservations (active ones indexed by expiry); its stream is the outbox of stock events.',
  },
  carts: {
    logicalName: 'Carts',
    envVar: 'TABLE_CARTS',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    timeToLiveAttribute: 'ttl',
    retain: false,
    description: 'Carts per customer and shop with a 7-day sliding TTL.',
  },
  orders: {
    logicalName: 'Orders',
    envVar: 'TABLE_ORDERS',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      { indexName: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') },
      { indexName: 'gsi2', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk') },
    ],
    stream: 'NEW_IMAGE',
    retain: true,
    description: 'Append-only order events plus order projections; its stream is the outbox to EventBridge.',
  },
  flashSales: {
    logicalName: 'FlashSales',
    envVar: 'TABLE_FLASH_SALES',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    timeToLiveAttribute: 'ttl',
    retain: true,
    description: 'Flash sales, their tickets, holds and reports.',
  },
  idempotency: {
    logicalName: 'Idempotency',
    envVar: 'TABLE_IDEMPOTENCY',
    // Layout expected by the Powertools idempotency persistence layer.
    partitionKey: S('id'),
    timeToLiveAttribute: 'expiration',
    retain: false,
    description: 'Idempotency records of money and stock writes (Powertools layout).',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;

export const TABLE_KEYS = Object.keys(TABLES) as TableKey[];

// `N` is exported for later tables with numeric keys.
export { N as numberKey, S as stringKey };
