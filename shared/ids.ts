import { randomBytes } from 'node:crypto';

/**
 * Time-ordered ids: 9 base-36 characters of milliseconds then 10 random ones, so ids of
 * one kind sort by creation time (ledger entries, orders) and never collide in practice.
 */
export function newId(prefix: string, now = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(-10);
  return `${prefix}_${time}${random}`;
}
