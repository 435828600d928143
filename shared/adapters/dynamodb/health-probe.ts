import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { HEALTH_PROBE_KEY, type DependencyProbe } from '#shared/platform/check-health';
import { TABLE_KEYS, TABLES, type KeyDefinition, type TableDefinition } from '#shared/platform/tables';
import { dynamodb } from './client';

/**
 * The probe of the tables this function has environment variables for: a GetItem of a key
 * no item has in each (DescribeTable would make DynamoDB Local count the table).
 */
export function dynamoDbProbe(env: NodeJS.ProcessEnv): DependencyProbe | undefined {
  const tables = TABLE_KEYS.flatMap((key) => {
    const TableName = env[TABLES[key].envVar];
    return TableName ? [{ TableName, Key: probeKey(TABLES[key]) }] : [];
  });
  if (tables.length === 0) return undefined;
  return {
    name: 'dynamodb',
    async check() {
      await Promise.all(tables.map((input) => dynamodb.send(new GetItemCommand(input))));
    },
  };
}

/** The table's key with HEALTH_PROBE_KEY in each part. */
function probeKey(table: TableDefinition): Record<string, AttributeValue> {
  const value = (key: KeyDefinition): AttributeValue => (key.type === 'S' ? { S: HEALTH_PROBE_KEY } : { N: '0' });
  return {
    [table.partitionKey.name]: value(table.partitionKey),
    ...(table.sortKey ? { [table.sortKey.name]: value(table.sortKey) } : {}),
  };
}
