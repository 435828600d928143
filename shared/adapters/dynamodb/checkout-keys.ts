import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cart } from '#shared/cart/cart';
import type { CheckoutAnswer, CheckoutKeyClaim, CheckoutKeyRecord, CheckoutKeys, ClaimedReservation } from '#shared/checkout/checkout-ports';
import type { Reservation } from '#shared/inventory/reservations';
import { cartKey, cartOfItem } from './cart-repository';
import type { DynamoReservationRepository } from './reservation-repository';

/**
 * Checkout's Idempotency-Key records in the idempotency table (key `id`, TTL `expiration`,
 * as the Powertools records beside them; ids `checkout#<ref>` never collide with theirs):
 * `state` in_progress or answered, the body's `fingerprint`, the holding attempt's `claim`,
 * `inProgressUntil` (epoch ms) and the `answer` (JSON). A claim is a Put conditional on no
 * live record: none, one past its expiry, or one left in progress past `inProgressUntil`;
 * so of any number of concurrent claims exactly one succeeds. The record is read in one
 * BatchGetItem with the cart and claimed in the reservation's transaction; its answer is
 * written in the order's (shared/adapters/dynamodb/order-placement.ts, `answerWrite`).
 */
export interface DynamoCheckoutKeysOptions {
  readonly keysTable: string;
  readonly cartsTable: string;
  readonly reservations: Pick<DynamoReservationRepository, 'createWrites' | 'transact' | 'outOfStock'>;
  /** How long a key is remembered. @default 86400 (24 hours, as the HTTP edge's records) */
  readonly expiresAfterSeconds?: number;
}

const itemId = (keyId: string) => `checkout#${keyId}`;
const CLAIMABLE = 'attribute_not_exists(id) OR expiration < :nowSeconds OR (#state = :inProgress AND inProgressUntil < :at)';

export function dynamoCheckoutKeys(documents: DynamoDBDocumentClient, options: DynamoCheckoutKeysOptions) {
  const { keysTable, cartsTable, reservations } = options;
  const expiresAfterSeconds = options.expiresAfterSeconds ?? 86_400;

  const toRecord = (item: Record<string, unknown> | undefined): CheckoutKeyRecord | undefined => {
    if (!item || Number(item.expiration) * 1000 < Date.now()) return undefined;
    return {
      fingerprint: String(item.fingerprint),
      state: item.state === 'answered' ? 'answered' : 'in_progress',
      claim: String(item.claim),
      inProgressUntil: Number(item.inProgressUntil),
      ...(typeof item.answer === 'string' ? { answer: JSON.parse(item.answer) as CheckoutAnswer } : {}),
    };
  };

  /** The Put of a claim (in progress, or answered at once), conditional on no live record. */
  function claimPut(claim: CheckoutKeyClaim, answer?: CheckoutAnswer) {
    return {
      TableName: keysTable,
      Item: {
        id: itemId(claim.keyId),
        entity: 'checkoutKey',
        state: answer ? 'answered' : 'in_progress',
        fingerprint: claim.fingerprint,
        claim: claim.claim,
        inProgressUntil: claim.inProgressUntil,
        expiration: Math.floor(claim.at / 1000) + expiresAfterSeconds,
        ...(answer ? { answer: JSON.stringify(answer) } : {}),
      },
      ConditionExpression: CLAIMABLE,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':nowSeconds': Math.floor(claim.at / 1000), ':inProgress': 'in_progress', ':at': claim.at },
    };
  }

  /** The Update answering a record this attempt holds (also written inside an order's placement). */
  function answerWrite(claim: CheckoutKeyClaim, answer: CheckoutAnswer) {
    return {
      TableName: keysTable,
      Key: { id: itemId(claim.keyId) },
      UpdateExpression: 'SET #state = :answered, answer = :answer',
      ConditionExpression: 'claim = :claim',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':answered': 'answered', ':answer': JSON.stringify(answer), ':claim': claim.claim },
    };
  }

  const conditional = async (write: () => Promise<unknown>): Promise<boolean> => {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  const keys: CheckoutKeys & { answerWrite: typeof answerWrite } = {
    answerWrite,

    async open(keyId, cartOf) {
      const id = itemId(keyId);
      if (!cartOf) return { record: await keys.record(keyId) };
      const cartItemKey = cartKey(cartOf.shopId, cartOf.customerId);
      let pending: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
        [keysTable]: { Keys: [{ id }], ConsistentRead: true },
        [cartsTable]: { Keys: [cartItemKey], ConsistentRead: true },
      };
      let record: CheckoutKeyRecord | undefined;
      let cart: Cart | undefined;
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** attempt, 1_000)));
        const answer = await documents.send(new BatchGetCommand({ RequestItems: pending }));
        for (const item of answer.Responses?.[keysTable] ?? []) record = toRecord(item);
        for (const item of answer.Responses?.[cartsTable] ?? []) cart = cartOfItem(cartOf.shopId, cartOf.customerId, item);
        pending = answer.UnprocessedKeys as typeof pending;
      }
      return { ...(record ? { record } : {}), ...(cart ? { cart } : {}) };
    },

    async record(keyId) {
      const { Item } = await documents.send(new GetCommand({ TableName: keysTable, Key: { id: itemId(keyId) }, ConsistentRead: true }));
      return toRecord(Item);
    },

    claim: (claim) => conditional(() => documents.send(new PutCommand(claimPut(claim)))),

    async reserveAndClaim(reservation: Reservation, claim): Promise<ClaimedReservation> {
      const writes = reservations.createWrites(reservation);
      const failed = await reservations.transact([...writes, { Put: claimPut(claim) }]);
      if (!failed) return { outcome: 'reserved', reservation };
      const reasons = failed.CancellationReasons ?? [];
      if (reasons[writes.length]?.Code === 'ConditionalCheckFailed') return { outcome: 'key_taken' };
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { outcome: 'reservation_exists' };
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return reservations.outOfStock(reservation);
      throw failed;
    },

    answer: (claim, answer, { claimed }) => conditional(() => (claimed ? documents.send(new UpdateCommand(answerWrite(claim, answer))) : documents.send(new PutCommand(claimPut(claim, answer))))),

    async release(claim) {
      await conditional(() =>
        documents.send(
          new DeleteCommand({
            TableName: keysTable,
            Key: { id: itemId(claim.keyId) },
            ConditionExpression: 'claim = :claim AND #state = :inProgress',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':claim': claim.claim, ':inProgress': 'in_progress' },
          }),
        ),
      );
    },
  };
  return keys;
}
