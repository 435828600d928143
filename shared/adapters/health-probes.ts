import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { GetAccountCommand } from '@aws-sdk/client-sesv2';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { HEALTH_PROBE_KEY, type DependencyProbe } from '#shared/platform/check-health';
import { QUEUE_KEYS, QUEUES } from '#shared/platform/queues';
import { TABLE_KEYS, TABLES, type KeyDefinition, type TableDefinition } from '#shared/platform/tables';
import { dynamodb } from './dynamodb/client';
import { eventBridge } from './eventbridge/client';
import { redis } from './redis/client';
import { ses } from './ses/client';
import { sqs } from './sqs/client';

/**
 * Probes for every dependency this function was configured with (tables and queues it
 * has environment variables for, Redis, the bus, SES), so the health route reports
 * exactly what the deployment wires. Each is one cheap request: a table is probed with a
 * GetItem of a key no item has (DescribeTable would make DynamoDB Local count the table).
 */
export function dependencyProbes(env: NodeJS.ProcessEnv = process.env): DependencyProbe[] {
  const probes: DependencyProbe[] = [];
  const tables = TABLE_KEYS.flatMap((key) => {
    const TableName = env[TABLES[key].envVar];
    return TableName ? [{ TableName, Key: probeKey(TABLES[key]) }] : [];
  });
  if (tables.length > 0) {
    probes.push({
      name: 'dynamodb',
      async check() {
        await Promise.all(tables.map((input) => dynamodb.send(new GetItemCommand(input))));
      },
    });
  }
  if (env.REDIS_URL || env.REDIS_HOST) {
    probes.push({
      name: 'redis',
      async check() {
        const answer = await (await redis()).ping();
        if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
      },
    });
  }
  if (env.EVENT_BUS_NAME) {
    const Name = env.EVENT_BUS_NAME;
    probes.push({ name: 'eventbridge', check: async () => void (await eventBridge.send(new DescribeEventBusCommand({ Name }))) });
  }
  const queues = QUEUE_KEYS.map((key) => env[QUEUES[key].envVar]).filter((url): url is string => Boolean(url));
  if (queues.length > 0) {
    probes.push({
      name: 'sqs',
      async check() {
        await Promise.all(queues.map((QueueUrl) => sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))));
      },
    });
  }
  if (env.SES_FROM_ADDRESS) {
    probes.push({ name: 'ses', check: async () => void (await ses.send(new GetAccountCommand({}))) });
  }
  return probes;
}

/** The table's key with HEALTH_PROBE_KEY in each part. */
function probeKey(table: TableDefinition): Record<string, AttributeValue> {
  const value = (key: KeyDefinition): AttributeValue => (key.type === 'S' ? { S: HEALTH_PROBE_KEY } : { N: '0' });
  return {
    [table.partitionKey.name]: value(table.partitionKey),
    ...(table.sortKey ? { [table.sortKey.name]: value(table.sortKey) } : {}),
  };
}
