import type { Subscription, TicketUpdates } from '#shared/flash-sales/ticket-stream';
import type { RedisClient } from './client';

/**
 * Ticket changes over Redis pub/sub, one channel per ticket (`fs:{shop}:<sale>:updates:<ticket>`,
 * with the key prefix): the decision path publishes on the connection it already has; each process
 * keeps one subscriber connection (a duplicate of its connection, made at the first subscription)
 * and fans each message out to the streams of that ticket. A channel is subscribed while at least
 * one stream of its ticket is open, so Redis sends a process only the tickets it streams.
 *
 * Best effort by design: a publish that fails is dropped (logged by the caller), and a subscriber
 * that is down delivers nothing; streams re-read their ticket periodically, so a lost message only
 * delays an event. Redis Cluster broadcasts a PUBLISH to every node, which is fine at one message
 * per decision; sharded pub/sub (SPUBLISH) would keep it on the shop's shard.
 */
/** Every instance made in this process, so the local runtime's shutdown closes their subscriber connections. */
const instances = new Set<{ close(): Promise<void> }>();

/** Closes every subscriber connection of this process (tests and the local runtime's shutdown). */
export async function closeTicketUpdates(): Promise<void> {
  await Promise.all([...instances].map((instance) => instance.close()));
}

export function redisTicketUpdates(
  redis: () => Promise<RedisClient>,
  options: { readonly keyPrefix?: string; readonly onError?: (error: unknown) => void } = {},
): TicketUpdates & { close(): Promise<void> } {
  const prefix = options.keyPrefix ?? '';
  const onError = options.onError ?? (() => undefined);
  const channelOf = (sale: { shopId: string; saleId: string }, ticket: number) => `${prefix}fs:{${sale.shopId}}:${sale.saleId}:updates:${ticket}`;
  /** Per subscribed channel: the streams listening, and the subscription's acknowledgement. */
  const channels = new Map<string, { listeners: Set<() => void>; ready: Promise<void> }>();
  let subscriber: Promise<RedisClient> | undefined;

  function connection(): Promise<RedisClient> {
    subscriber ??= redis().then(async (main) => {
      // Channels are named in full above: ioredis prefixes keys, never channels.
      const sub = main.duplicate();
      sub.on('error', () => undefined);
      sub.on('message', (channel: string) => {
        for (const changed of channels.get(channel)?.listeners ?? []) changed();
      });
      if (sub.status === 'wait') await sub.connect();
      return sub;
    });
    subscriber.catch(() => {
      subscriber = undefined;
    });
    return subscriber;
  }

  const updates = {
    async publish(sale: { shopId: string; saleId: string }, ticket: number) {
      await (await redis()).publish(channelOf(sale, ticket), '1');
    },

    subscribe(sale: { shopId: string; saleId: string }, ticket: number, changed: () => void): Subscription {
      const channel = channelOf(sale, ticket);
      let entry = channels.get(channel);
      if (!entry) {
        const ready = connection().then(async (sub) => {
          await sub.subscribe(channel);
        });
        ready.catch(onError);
        entry = { listeners: new Set(), ready };
        channels.set(channel, entry);
      }
      entry.listeners.add(changed);
      const { ready } = entry;
      return {
        ready,
        unsubscribe: () => {
          const current = channels.get(channel);
          if (!current?.listeners.delete(changed) || current.listeners.size > 0) return;
          channels.delete(channel);
          connection()
            .then(async (sub) => {
              // A stream of the ticket may have subscribed again meanwhile.
              if (!channels.has(channel)) await sub.unsubscribe(channel);
            })
            .catch(onError);
        },
      };
    },

    async close() {
      const current = subscriber;
      subscriber = undefined;
      channels.clear();
      if (current) await (await current).quit().catch(() => undefined);
    },
  };
  instances.add(updates);
  return updates;
}
