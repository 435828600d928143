import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { dynamoSentOnce } from '#shared/adapters/dynamodb/sent-once-store';
import type { SentOnce } from '#shared/notifications/notification-ports';

/** The email dedupe ledger on the idempotency table, against DynamoDB Local. */
let documents: DynamoDBDocumentClient;
let table: string;
let sentOnce: SentOnce;
// The real clock: DynamoDB Local may delete items whose TTL has passed.
const now = new Date(Math.floor(Date.now() / 1000) * 1000);

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  documents = DynamoDBDocumentClient.from(client);
  table = tables.idempotency;
  sentOnce = dynamoSentOnce(documents, table, { now: () => now, retainSeconds: 3600 });
});

const key = () => `email:demo:ord_${randomBytes(4).toString('hex')}:2`;
const record = async (id: string) => (await documents.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true }))).Item;

describe('SentOnce on DynamoDB', () => {
  it('lets one claim of a key through and refuses the next', async () => {
    const k = key();
    expect(await sentOnce.claim(k)).toBe(true);
    expect(await sentOnce.claim(k)).toBe(false);
    expect(await record(k)).toMatchObject({ id: k, status: 'CLAIMED', claimedAt: now.toISOString(), expiration: Math.floor(now.getTime() / 1000) + 3600 });
  });

  it('lets exactly one of twenty concurrent claims through', async () => {
    const k = key();
    const claims = await Promise.all(Array.from({ length: 20 }, () => sentOnce.claim(k)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('a claim stays once its email went out: the next claim is refused', async () => {
    const k = key();
    await sentOnce.claim(k);
    expect(await record(k)).toMatchObject({ status: 'CLAIMED' });
    expect(await sentOnce.claim(k)).toBe(false);
  });

  it('gives a claim back on release, so the next claim succeeds', async () => {
    const k = key();
    await sentOnce.claim(k);
    await sentOnce.release(k);
    expect(await record(k)).toBeUndefined();
    expect(await sentOnce.claim(k)).toBe(true);
    await sentOnce.release(key()); // releasing an unknown key is harmless
  });

  it('decides on the item alone, not on its own clock against the expiry', async () => {
    const k = key();
    await sentOnce.claim(k);
    const later = dynamoSentOnce(documents, table, { now: () => new Date(now.getTime() + 7_200_000), retainSeconds: 3600 });
    expect(await later.claim(k)).toBe(false);
  });
});
