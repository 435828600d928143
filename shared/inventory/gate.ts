import { UnavailableError } from '#shared/errors';
import type { ReservationLine } from './reservations';

/**
 * The inventory gate for hot SKUs and flash sales: units allocated to it live in Redis
 * and are taken by an atomic script that checks every line of a request and decrements
 * all of them, or none. Keys carry the shop as a hash tag (`inv:{shop}:<sku>`), so one
 * request's SKUs stay on one cluster slot. When Redis cannot answer, the gate refuses
 * (GateUnavailableError): it never sells blind.
 */
export type GateResult = { readonly ok: true } | { readonly ok: false; readonly short: readonly string[] };

export interface InventoryGate {
  /** Takes every line or nothing; `short` names the SKUs without enough units. */
  take(shopId: string, lines: readonly ReservationLine[]): Promise<GateResult>;
  /** Puts units back (an abandoned hold): the inverse of take. */
  give(shopId: string, lines: readonly ReservationLine[]): Promise<void>;
  /** Adds units to the gate (an allocation) or removes them (a return; never below zero). Returns the units now in the gate. */
  adjust(shopId: string, sku: string, delta: number): Promise<number>;
  /** Takes up to `max` units back out of the gate at once; answers how many it took. */
  withdraw(shopId: string, sku: string, max: number): Promise<number>;
  remaining(shopId: string, skus: readonly string[]): Promise<Map<string, number>>;
}

export class GateUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    // Redis's own message (hosts, ports) is for the log, not the public answer.
    super('The inventory gate cannot be reached; nothing was sold. Retry shortly.', 2);
    this.cause = cause;
  }
}
