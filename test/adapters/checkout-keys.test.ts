import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTables, localTableNames } from '../../bin/local/dynamodb-local';
import { cartSave } from '#shared/adapters/dynamodb/cart-repository';
import { dynamoCheckoutKeys } from '#shared/adapters/dynamodb/checkout-keys';
import { dynamoReservationRepository } from '#shared/adapters/dynamodb/reservation-repository';
import type { CheckoutAnswer, CheckoutKeyClaim } from '#shared/checkout/checkout-ports';
import { OutOfStockError, type Reservation } from '#shared/inventory/reservations';

/**
 * Checkout's own Idempotency-Key records against DynamoDB Local: read in one batch with the
 * cart, claimed once (in the reservation's transaction or alone), answered by the attempt
 * holding it, taken over only once a record left in progress is past its time.
 */
let documents: DynamoDBDocumentClient;
let keys: ReturnType<typeof dynamoCheckoutKeys>;
let tables: ReturnType<typeof localTableNames>;
const SHOP = 'shop-keys';
const now = Date.now();

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  tables = localTableNames(`t${randomBytes(4).toString('hex')}-`);
  await ensureTables(client, tables);
  documents = DynamoDBDocumentClient.from(client);
  keys = dynamoCheckoutKeys(documents, { keysTable: tables.idempotency, cartsTable: tables.carts, reservations: dynamoReservationRepository(documents, tables.inventory) });
});

const keyId = () => `k${randomBytes(6).toString('hex')}`;
const claimOf = (id: string, at = now, token = randomBytes(4).toString('hex')): CheckoutKeyClaim => ({ keyId: id, fingerprint: 'body-1', claim: token, at, inProgressUntil: at + 30_000 });
const stocked = async (sku: string, available: number) =>
  documents.send(
    new PutCommand({ TableName: tables.inventory, Item: { pk: `STOCK#${SHOP}#${sku}`, sk: 'COUNTERS', shopId: SHOP, sku, onHand: available, available, reserved: 0, sold: 0, version: 1 } }),
  );
const reservationOf = (id: string, sku: string, quantity = 1): Reservation => ({
  shopId: SHOP,
  reservationId: `res_chk_${id}`,
  lines: [{ sku, quantity }],
  status: 'ACTIVE',
  createdAt: new Date(now).toISOString(),
  expiresAt: new Date(now + 900_000).toISOString(),
  source: 'checkout',
  reference: `ord_${id}`,
});
const answer: CheckoutAnswer = { kind: 'refused', code: 'payment_declined', message: 'declined', extra: { declineCode: 'generic_decline' } };

describe('checkout keys on DynamoDB', () => {
  it('reads the record and the cart in one batch; none before the first claim', async () => {
    const customerId = `c${randomBytes(3).toString('hex')}`;
    const at = new Date(now).toISOString();
    await documents.send(new PutCommand(cartSave(tables.carts, { shopId: SHOP, customerId, lines: [{ sku: 'TEE', quantity: 1, addedAt: at }], version: 0, updatedAt: at, expiresAt: at }, 0)));
    const id = keyId();

    expect(await keys.open(id, { shopId: SHOP, customerId })).toEqual({ cart: expect.objectContaining({ customerId, version: 1, lines: [expect.objectContaining({ sku: 'TEE' })] }) });

    expect(await keys.claim(claimOf(id))).toBe(true);
    expect((await keys.open(id, { shopId: SHOP, customerId })).record).toMatchObject({ state: 'in_progress', fingerprint: 'body-1' });
  });

  it('claims a key with its reservation in one transaction; a twin finds the key taken and writes nothing', async () => {
    const id = keyId();
    await stocked(`SKU-${id}`, 5);
    const first = claimOf(id);

    expect(await keys.reserveAndClaim(reservationOf(id, `SKU-${id}`), first)).toMatchObject({ outcome: 'reserved' });
    expect(await keys.reserveAndClaim(reservationOf(id, `SKU-${id}`), claimOf(id))).toEqual({ outcome: 'key_taken' });
    expect(await keys.record(id)).toMatchObject({ state: 'in_progress', claim: first.claim });
  });

  it('of twenty concurrent claims of one key, exactly one succeeds', async () => {
    const id = keyId();
    const claims = await Promise.all(Array.from({ length: 20 }, () => keys.claim(claimOf(id))));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('an answer is written by the attempt holding the key only, and then replayed', async () => {
    const id = keyId();
    const holder = claimOf(id);
    await keys.claim(holder);

    expect(await keys.answer(claimOf(id), answer, { claimed: true })).toBe(false);
    expect(await keys.answer(holder, answer, { claimed: true })).toBe(true);
    expect(await keys.record(id)).toMatchObject({ state: 'answered', answer });
    // An answered record is never claimed again, however late.
    expect(await keys.claim(claimOf(id, now + 3_600_000))).toBe(false);
  });

  it('a record left in progress is taken over only once past its time; the dead attempt can no longer answer', async () => {
    const id = keyId();
    const dead = claimOf(id);
    await keys.claim(dead);

    expect(await keys.claim(claimOf(id, dead.inProgressUntil - 1))).toBe(false);
    const retry = claimOf(id, dead.inProgressUntil + 1);
    expect(await keys.claim(retry)).toBe(true);
    expect(await keys.answer(dead, answer, { claimed: true })).toBe(false);
    expect(await keys.record(id)).toMatchObject({ state: 'in_progress', claim: retry.claim });
  });

  it('a refusal found before any claim is claimed and answered at once', async () => {
    const id = keyId();
    expect(await keys.answer(claimOf(id), answer, { claimed: false })).toBe(true);
    expect(await keys.record(id)).toMatchObject({ state: 'answered', answer });
    expect(await keys.answer(claimOf(id), answer, { claimed: false })).toBe(false);
  });

  it('released, a claim lets the next attempt run at once', async () => {
    const id = keyId();
    const first = claimOf(id);
    await keys.claim(first);
    await keys.release(first);
    expect(await keys.record(id)).toBeUndefined();
    expect(await keys.claim(claimOf(id))).toBe(true);
  });

  it('a reservation an attempt that died made is reported, and nothing is written', async () => {
    const id = keyId();
    await stocked(`SKU-${id}`, 5);
    const dead = claimOf(id);
    await keys.reserveAndClaim(reservationOf(id, `SKU-${id}`), dead);
    await keys.release(dead);

    expect(await keys.reserveAndClaim(reservationOf(id, `SKU-${id}`), claimOf(id))).toEqual({ outcome: 'reservation_exists' });
    expect(await keys.record(id)).toBeUndefined();
  });

  it('out of stock: OutOfStockError naming the SKU, and the key is not claimed', async () => {
    const id = keyId();
    await stocked(`SKU-${id}`, 1);
    await expect(keys.reserveAndClaim(reservationOf(id, `SKU-${id}`, 2), claimOf(id))).rejects.toBeInstanceOf(OutOfStockError);
    expect(await keys.record(id)).toBeUndefined();
  });
});
