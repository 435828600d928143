import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type KeyDefinition, type TableDefinition } from '#shared/platform/tables';

/** A table together with its definition (functions need its indexes, env var and stream). */
export interface TableResource {
  readonly table: ITable;
  readonly definition: TableDefinition;
}

export interface DataProps {
  /**
   * The tables to create, by key.
   * @default TABLES from shared/platform/tables.ts
   */
  readonly definitions?: Readonly<Record<string, TableDefinition>>;
}

/**
 * The DynamoDB tables, generated from the shared table definitions: on-demand billing,
 * point-in-time recovery, AWS-managed encryption, streams, TTL and GSIs as defined, and
 * RETAIN plus deletion protection for tables whose state must outlive the stack.
 */
export class Data extends Construct {
  readonly tables: Readonly<Record<string, TableResource>>;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);
    const definitions: Readonly<Record<string, TableDefinition>> = props.definitions ?? TABLES;
    validateDefinitions(this, definitions);

    const tables: Record<string, TableResource> = {};
    for (const [key, definition] of Object.entries(definitions) as [string, TableDefinition][]) {
      const table = new Table(this, definition.logicalName, {
        partitionKey: attribute(definition.partitionKey),
        ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.AWS_MANAGED,
        ...(definition.stream ? { stream: StreamViewType[definition.stream] } : {}),
        ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
        removalPolicy: definition.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        deletionProtection: definition.retain,
      });
      for (const index of definition.globalIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
        });
      }
      tables[key] = { table, definition };
    }
    this.tables = tables;
  }
}

function attribute(key: KeyDefinition): { name: string; type: AttributeType } {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

function validateDefinitions(scope: Construct, definitions: Readonly<Record<string, TableDefinition>>): void {
  const where = scope.node.path;
  const entries = Object.entries(definitions);
  if (entries.length === 0) throw new Error(`${where}: no table definitions`);
  const seen = { logicalName: new Set<string>(), envVar: new Set<string>() };
  for (const [key, def] of entries) {
    const what = `${where}: table "${key}"`;
    if (!/^[A-Z][A-Za-z0-9]*$/.test(def.logicalName)) throw new Error(`${what}: logicalName must be PascalCase, got "${def.logicalName}"`);
    if (!/^TABLE_[A-Z0-9_]+$/.test(def.envVar)) throw new Error(`${what}: envVar must look like TABLE_NAME, got "${def.envVar}"`);
    for (const field of ['logicalName', 'envVar'] as const) {
      if (seen[field].has(def[field])) throw new Error(`${what}: duplicate ${field} "${def[field]}"`);
      seen[field].add(def[field]);
    }
    // One attribute cannot be declared with two types.
    const types = new Map<string, string>();
    const keys = [def.partitionKey, def.sortKey, ...(def.globalIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey])];
    for (const k of keys) {
      if (!k) continue;
      const known = types.get(k.name);
      if (known && known !== k.type) throw new Error(`${what}: attribute "${k.name}" declared as both ${known} and ${k.type}`);
      types.set(k.name, k.type);
    }
    const indexNames = (def.globalIndexes ?? []).map((i) => i.indexName);
    if (new Set(indexNames).size !== indexNames.length) throw new Error(`${what}: duplicate index names ${indexNames.join(', ')}`);
    if (indexNames.length > 20) throw new Error(`${what}: DynamoDB allows at most 20 global secondary indexes`);
    if (def.timeToLiveAttribute !== undefined && types.has(def.timeToLiveAttribute)) {
      throw new Error(`${what}: the TTL attribute "${def.timeToLiveAttribute}" must not be a key attribute`);
    }
  }
}
