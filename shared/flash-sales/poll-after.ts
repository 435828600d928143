/**
 * How long a client waits before polling its queued ticket again: the farther the ticket is from
 * a decision, the longer. Near the front of the line (1 s) a decision is moments away; far back
 * (up to 5 s) it is not, and the polls of a drop's whole line would otherwise all come every
 * second. A ticket past the sale's units only wins a unit that a winner leaves unused, which
 * takes a hold's time at least: it polls every 8 s. Streams (`streamUrl`) need no polling at all.
 */
export const POLL_NEAR_MS = 1_000;
export const POLL_FAR_MS = 5_000;
export const POLL_PAST_UNITS_MS = 8_000;
/** Tickets ahead within which a decision is near (about a second of the worker's decisions). */
const NEAR_POSITION = 50;
/** Each ticket ahead beyond the near ones adds this much, up to POLL_FAR_MS. */
const MS_PER_TICKET_AHEAD = 2;

export function pollAfterMs({ ticket, position, units }: { readonly ticket: number; readonly position: number; readonly units: number }): number {
  if (ticket > units) return POLL_PAST_UNITS_MS;
  const ahead = Math.max(0, position - NEAR_POSITION);
  const ms = POLL_NEAR_MS + ahead * MS_PER_TICKET_AHEAD;
  // Whole tenths of a second: the same answer for neighbours in line, no false precision.
  return Math.min(POLL_FAR_MS, Math.round(ms / 100) * 100);
}
