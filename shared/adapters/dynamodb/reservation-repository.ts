import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '#shared/errors';
import type { ReservationRepository } from '#shared/inventory/inventory-ports';
import { OutOfStockError, ReservationNotActiveError, type Reservation, type ReservationStatus } from '#shared/inventory/reservations';
import { pauseBeforeRetry } from '#shared/platform/deadline';
import { batchGetAll } from './batch-get';
import { putNew, transactWrite, type TransactItems } from './transact-items';

/** A transaction that collided with another one on the same items is tried again this often, after a jittered pause. */
export const TRANSACTION_CONFLICT_RETRIES = 8;
export const TRANSACTION_CONFLICT_BACKOFF = { baseMs: 20, maxMs: 20 * 2 ** 7 } as const;

/**
 * Reservations in the inventory table, beside the counters they move:
 *   pk `RES#<shop>#<id>` sk `RESERVATION`: lines, status, expiresAt; while ACTIVE also
 *   gsi1pk `ACTIVE#<0-7>` / gsi1sk `<expiresAt>#<shop>#<id>`, a sparse index of active
 *   reservations by expiry (8 partitions, so creating many at once has no hot key), which
 *   the sweeper queries; `ttl` lets DynamoDB delete old records a week after expiry.
 * Every create and every transition is one transaction with the counters and the ledger.
 */
const SHARDS = 8;
const reservationKey = (shopId: string, id: string) => ({ pk: `RES#${shopId}#${id}`, sk: 'RESERVATION' });
const countersKey = (shopId: string, sku: string) => ({ pk: `STOCK#${shopId}#${sku}`, sk: 'COUNTERS' });

function shardOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(hash) % SHARDS;
}

function toReservation(item: Record<string, unknown>): Reservation {
  return {
    shopId: item.shopId as string,
    reservationId: item.reservationId as string,
    lines: item.lines as Reservation['lines'],
    status: item.status as ReservationStatus,
    expiresAt: item.expiresAt as string,
    createdAt: item.createdAt as string,
    source: item.source as string,
    ...(item.reference ? { reference: item.reference as string } : {}),
    ...(item.fromGate ? { fromGate: true } : {}),
  };
}

/** A new reservation's item: the record, its place in the sparse index of active ones, its TTL. */
function itemOf(r: Reservation) {
  return {
    ...reservationKey(r.shopId, r.reservationId),
    ...r,
    gsi1pk: `ACTIVE#${shardOf(r.reservationId)}`,
    gsi1sk: `${r.expiresAt}#${r.shopId}#${r.reservationId}`,
    ttl: Math.floor(Date.parse(r.expiresAt) / 1000) + 7 * 86_400,
  };
}

const MOVES = {
  reserve: { available: -1, reserved: 1, sold: 0, gate: 0, type: 'reservation', reason: 'reserved' },
  COMMITTED: { available: 0, reserved: -1, sold: 1, gate: 0, type: 'commit', reason: 'committed' },
  RELEASED: { available: 1, reserved: -1, sold: 0, gate: 0, type: 'release', reason: 'released' },
  EXPIRED: { available: 1, reserved: -1, sold: 0, gate: 0, type: 'release', reason: 'expired' },
} as const;

/**
 * A hold taken through the Redis gate (a flash sale) holds units that are already
 * `reserved` as the gate's allocation: creating it moves them from the allocation to the
 * hold, and releasing or expiring it moves them back to the allocation (the flash-sale
 * context then gives them back to the gate in Redis), so they never pass through
 * `available`. Committing is as for any reservation: reserved → sold.
 */
const GATE_MOVES = {
  reserve: { available: 0, reserved: 0, sold: 0, gate: -1, type: 'reservation', reason: 'held from the gate' },
  COMMITTED: MOVES.COMMITTED,
  RELEASED: { available: 0, reserved: 0, sold: 0, gate: 1, type: 'release', reason: 'released to the gate' },
  EXPIRED: { available: 0, reserved: 0, sold: 0, gate: 1, type: 'release', reason: 'expired to the gate' },
} as const;

const movesOf = (r: Reservation) => (r.fromGate ? GATE_MOVES : MOVES);

export function dynamoReservationRepository(documents: DynamoDBDocumentClient, tableName: string) {
  /** The counters update and the ledger entry of one line of a movement. */
  function lineWrites(r: Reservation, line: Reservation['lines'][number], move: (typeof MOVES)[keyof typeof MOVES] | (typeof GATE_MOVES)[keyof typeof GATE_MOVES], actor: string, at: string) {
    const q = line.quantity;
    const delta = { onHand: 0, available: move.available * q, reserved: move.reserved * q, sold: move.sold * q };
    const shrinking = delta.available < 0 ? 'available' : 'reserved';
    const gate = move.gate * q;
    const gateWrites =
      gate === 0
        ? []
        : [
            {
              Update: {
                TableName: tableName,
                Key: { pk: countersKey(r.shopId, line.sku).pk, sk: 'GATE' },
                UpdateExpression: 'ADD allocated :units SET updatedAt = :at',
                ...(gate < 0
                  ? { ConditionExpression: 'allocated >= :need', ExpressionAttributeValues: { ':units': gate, ':at': at, ':need': -gate } }
                  : { ExpressionAttributeValues: { ':units': gate, ':at': at } }),
              },
            },
          ];
    // A hold moving between the gate's allocation and a reservation changes no counter (the
    // units stay reserved): only the GATE item is written, so the winners of a sale do not
    // all queue on the SKU's counters item, and the ledger records counter movements only.
    if (delta.available === 0 && delta.reserved === 0 && delta.sold === 0) return gateWrites;
    return [
      ...gateWrites,
      {
        Update: {
          TableName: tableName,
          Key: countersKey(r.shopId, line.sku),
          UpdateExpression: 'ADD available :available, reserved :reserved, sold :sold, #version :one SET updatedAt = :at',
          ConditionExpression: `attribute_exists(pk) AND ${shrinking} >= :need`,
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':available': delta.available, ':reserved': delta.reserved, ':sold': delta.sold, ':one': 1, ':at': at, ':need': q },
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: {
            pk: countersKey(r.shopId, line.sku).pk,
            sk: `LEDGER#${at}#${r.reservationId}.${move.type}`,
            movementId: `${r.reservationId}.${move.type}`,
            shopId: r.shopId,
            sku: line.sku,
            type: move.type,
            reason: move.reason,
            delta,
            reference: r.reservationId,
            actor,
            at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  /** Runs a transaction, retrying when it collided with another one on the same items. */
  async function transact(items: TransactItems): Promise<TransactionCanceledException | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await transactWrite(documents, items);
        return undefined;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const conflict = error.CancellationReasons?.some((r) => r.Code === 'TransactionConflict');
        if (!conflict || attempt >= TRANSACTION_CONFLICT_RETRIES || !(await pauseBeforeRetry(attempt + 1, TRANSACTION_CONFLICT_BACKOFF))) return error;
      }
    }
  }

  /** The writes of moving an ACTIVE reservation to `to` (also used inside an order's placement). */
  function finishWrites(current: Reservation, to: 'COMMITTED' | 'RELEASED' | 'EXPIRED', actor: string, at: string) {
    return [
      {
        Update: {
          TableName: tableName,
          Key: reservationKey(current.shopId, current.reservationId),
          UpdateExpression: 'SET #status = :to, finishedAt = :at REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':to': to, ':at': at, ':active': 'ACTIVE' },
        },
      },
      ...current.lines.flatMap((line) => lineWrites(current, line, movesOf(current)[to], actor, at)),
    ];
  }

  /** The writes of creating reservation `r` (the record first, then each line's counters and ledger; also used inside a checkout's claim of its key). */
  function createWrites(r: Reservation): TransactItems {
    return [putNew(tableName, itemOf(r)), ...r.lines.flatMap((line) => lineWrites(r, line, movesOf(r).reserve, r.source, r.createdAt))];
  }

  const repository: ReservationRepository & { finishWrites: typeof finishWrites; createWrites: typeof createWrites; transact: typeof transact; outOfStock(r: Reservation): Promise<never> } = {
    finishWrites,
    createWrites,
    transact,

    async get(shopId, reservationId) {
      const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: reservationKey(shopId, reservationId), ConsistentRead: true }));
      return Item ? toReservation(Item) : undefined;
    },

    async create(r) {
      const failed = await transact(createWrites(r));
      if (!failed) return r;
      if (failed.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        const existing = await repository.get(r.shopId, r.reservationId);
        if (existing) return existing; // the same request again
      }
      return repository.outOfStock(r);
    },

    /** The OutOfStockError of a reservation refused: which lines are short? Read them (the cancellation reasons name only what failed first). */
    async outOfStock(r: Reservation): Promise<never> {
      const counters = await batchGetAll(
        documents,
        tableName,
        r.lines.map((l) => countersKey(r.shopId, l.sku)),
      );
      const available = new Map(counters.map((c) => [c.sku as string, Number(c.available)]));
      const short = r.lines.filter((l) => (available.get(l.sku) ?? 0) < l.quantity).map((l) => l.sku);
      throw new OutOfStockError(short.length > 0 ? short : r.lines.map((l) => l.sku));
    },

    async createFromGate(shopId, sku, holds) {
      // Holds already in DynamoDB (a re-run after a crash, checkout's own claim) are left out:
      // each hold's units leave the allocation once, with its own put.
      let pending = [...holds];
      for (let round = 0; pending.length > 0; round++) {
        const units = pending.reduce((sum, r) => sum + r.lines.reduce((n, line) => n + line.quantity, 0), 0);
        const at = pending[0]!.createdAt;
        const failed = await transact([
          ...pending.map((r) => putNew(tableName, itemOf(r))),
          {
            Update: {
              TableName: tableName,
              Key: { pk: countersKey(shopId, sku).pk, sk: 'GATE' },
              UpdateExpression: 'ADD allocated :units SET updatedAt = :at',
              ConditionExpression: 'allocated >= :need',
              ExpressionAttributeValues: { ':units': -units, ':at': at, ':need': units },
            },
          },
        ]);
        if (!failed) return pending.length;
        const gateRefused = failed.CancellationReasons?.[pending.length]?.Code === 'ConditionalCheckFailed';
        const existing = new Set(
          (
            await batchGetAll(
              documents,
              tableName,
              pending.map((r) => reservationKey(shopId, r.reservationId)),
            )
          ).map((item) => item.reservationId as string),
        );
        if (existing.size === 0 || round >= 3) {
          if (gateRefused) throw new OutOfStockError([sku]);
          throw failed;
        }
        pending = pending.filter((r) => !existing.has(r.reservationId));
      }
      return 0;
    },

    async finish(shopId, reservationId, to, { actor, at }) {
      const current = await repository.get(shopId, reservationId);
      if (!current) throw new NotFoundError(`Reservation ${reservationId} does not exist.`);
      if (current.status === to) return { reservation: current, changed: false };
      if (current.status !== 'ACTIVE') throw new ReservationNotActiveError(reservationId, current.status);
      const failed = await transact(finishWrites(current, to, actor, at));
      if (!failed) return { reservation: { ...current, status: to }, changed: true };
      // Someone else finished it meanwhile (another sweeper, a retry): answer what it is now.
      const now = await repository.get(shopId, reservationId);
      if (now?.status === to) return { reservation: now, changed: false };
      if (now && now.status !== 'ACTIVE') throw new ReservationNotActiveError(reservationId, now.status);
      throw failed;
    },

    async expired(now, limit) {
      const pages = await Promise.all(
        Array.from({ length: SHARDS }, (_, shard) =>
          documents.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :now',
              ExpressionAttributeValues: { ':pk': `ACTIVE#${shard}`, ':now': now },
              Limit: limit,
            }),
          ),
        ),
      );
      return pages
        .flatMap((page) => page.Items ?? [])
        .sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? -1 : 1))
        .slice(0, limit)
        .map((item) => ({ shopId: item.shopId as string, reservationId: item.reservationId as string }));
    },
  };
  return repository;
}

export type DynamoReservationRepository = ReturnType<typeof dynamoReservationRepository>;
