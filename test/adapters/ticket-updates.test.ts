import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisTicketUpdates } from '#shared/adapters/redis/ticket-updates';

/** Ticket changes over real Redis pub/sub: one subscriber connection fans out to every stream of a ticket, and only of that ticket. */
const prefix = `tu${randomBytes(3).toString('hex')}:`;
const client = new Redis(inject('redisUrl'), { keyPrefix: prefix, lazyConnect: true });
const updates = redisTicketUpdates(async () => client, { keyPrefix: prefix });
const sale = { shopId: 'demo', saleId: 'sale_1' };
const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

afterAll(async () => {
  await updates.close();
  client.disconnect();
});

describe('redisTicketUpdates', () => {
  it('delivers a publish to every stream of the ticket once its subscription is ready, and to no other ticket', async () => {
    const seen: string[] = [];
    const a = updates.subscribe(sale, 1, () => seen.push('a'));
    const b = updates.subscribe(sale, 1, () => seen.push('b'));
    const other = updates.subscribe(sale, 2, () => seen.push('other'));
    await Promise.all([a.ready, b.ready, other.ready]);
    await updates.publish(sale, 1);
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual(['a', 'b']);

    // Unsubscribed streams hear nothing more; the ticket's last stream leaving unsubscribes the channel.
    a.unsubscribe();
    await updates.publish(sale, 1);
    await waitFor(() => seen.length === 3);
    expect(seen[2]).toBe('b');
    b.unsubscribe();
    other.unsubscribe();
    const subscribers = async () => (await client.call('PUBSUB', 'NUMSUB', `${prefix}fs:{demo}:sale_1:updates:1`)) as [string, number];
    for (let i = 0; i < 100 && (await subscribers())[1] > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await subscribers())[1]).toBe(0);
  });

  it('keeps a channel subscribed while another stream of the ticket still listens', async () => {
    let heard = 0;
    const first = updates.subscribe(sale, 3, () => undefined);
    await first.ready;
    first.unsubscribe();
    const second = updates.subscribe(sale, 3, () => (heard += 1));
    await second.ready;
    await updates.publish(sale, 3);
    await waitFor(() => heard === 1);
    second.unsubscribe();
  });
});
