import { newId } from '#shared/ids';
import type { InventoryGate } from './gate';
import type { StockRepository } from './inventory-ports';
import { now as platformNow } from '#shared/platform/clock';

/**
 * Moving units between DynamoDB (the authority) and the Redis gate. Allocating moves units
 * from available to reserved in DynamoDB first, then adds them to the gate: a crash in
 * between can strand units (sold later by reconciliation), never oversell. Returning takes
 * units out of the gate first, then gives them back in DynamoDB, for the same reason.
 * Units taken through the gate leave it for good when their order commits (reserved →
 * sold). Reconciliation compares the gate with what DynamoDB says it should hold and
 * repairs the difference in the safe direction, reporting it.
 */
export interface GateContext {
  readonly actor: string;
  /** The sale, order or operation behind the movement. */
  readonly reference: string;
}

export interface GateReconciliation {
  readonly sku: string;
  /** Units allocated to the gate per DynamoDB. */
  readonly allocated: number;
  /** Units taken through the gate and not yet committed or given back (open holds). */
  readonly outstanding: number;
  readonly inGate: number;
  /** allocated - outstanding - inGate: positive means units missing from the gate, negative units it should not have. */
  readonly discrepancy: number;
  readonly action: 'none' | 'restored' | 'withdrawn';
}

export function makeGateAllocation({ stock, gate, clock = platformNow }: { stock: StockRepository; gate: InventoryGate; clock?: () => Date }) {
  async function compare(shopId: string, sku: string, outstanding = 0): Promise<GateReconciliation> {
    const allocated = await stock.gateAllocation(shopId, sku);
    const inGate = (await gate.remaining(shopId, [sku])).get(sku) ?? 0;
    return { sku, allocated, outstanding, inGate, discrepancy: allocated - outstanding - inGate, action: 'none' };
  }

  async function repair(shopId: string, sku: string, discrepancy: number): Promise<void> {
    if (discrepancy > 0) await gate.adjust(shopId, sku, discrepancy);
    if (discrepancy < 0) await gate.withdraw(shopId, sku, -discrepancy);
  }

  const entry = (type: 'gate_allocation' | 'gate_return' | 'commit', reason: string, context: GateContext, at: string) => ({ type, reason, reference: context.reference, actor: context.actor, at });

  return {
    /** Moves units from available to the gate's allocation, then into the gate (`fillGate: false`: a sale's sub-gates, which its own state fills). */
    async allocate(shopId: string, sku: string, units: number, context: GateContext, { fillGate = true }: { fillGate?: boolean } = {}): Promise<number> {
      const at = clock().toISOString();
      await stock.move({
        shopId,
        sku,
        movementId: newId('gate', Date.parse(at)),
        delta: { available: -units, reserved: units },
        gateAllocation: units,
        entry: entry('gate_allocation', 'allocated to the gate', context, at),
      });
      return fillGate ? gate.adjust(shopId, sku, units) : units;
    },

    /**
     * Units a sale's sub-gates gave up (collected at its end, given back after it) return to
     * available in DynamoDB alone: they are out of Redis already. Once per `movement`: its id
     * and time name the ledger entry, so a retry after a crash writes nothing twice.
     */
    async returned(shopId: string, sku: string, units: number, context: GateContext, movement: { id: string; at: string }): Promise<void> {
      if (units <= 0) return;
      await stock.move({
        shopId,
        sku,
        movementId: movement.id,
        delta: { reserved: -units, available: units },
        gateAllocation: -units,
        entry: entry('gate_return', 'returned from the sub-gates', context, movement.at),
      });
    },

    /** Units taken through the gate became an order: reserved → sold. */
    async commit(shopId: string, sku: string, quantity: number, context: GateContext): Promise<void> {
      const at = clock().toISOString();
      await stock.move({
        shopId,
        sku,
        movementId: newId('gatecommit', Date.parse(at)),
        delta: { reserved: -quantity, sold: quantity },
        gateAllocation: -quantity,
        entry: entry('commit', 'sold through the gate', context, at),
      });
    },

    /** Takes up to `max` (default: all) units out of the gate and makes them available again. */
    async returnUnits(shopId: string, sku: string, context: GateContext, max = Number.MAX_SAFE_INTEGER): Promise<number> {
      const withdrawn = await gate.withdraw(shopId, sku, max);
      if (withdrawn === 0) return 0;
      const at = clock().toISOString();
      await stock.move({
        shopId,
        sku,
        movementId: newId('gateret', Date.parse(at)),
        delta: { reserved: -withdrawn, available: withdrawn },
        gateAllocation: -withdrawn,
        entry: entry('gate_return', 'returned from the gate', context, at),
      });
      return withdrawn;
    },

    /** Compares the gate with what DynamoDB says it should hold, changing nothing (action `none`). */
    compare,

    /** Applies a discrepancy found by `compare`: units missing from the gate are put back, units it should not have withdrawn. */
    repair,

    /**
     * Makes the gate hold what DynamoDB says: units missing from it (a Redis restart, a
     * crash mid-return) are put back; units it should not have are withdrawn at once.
     */
    async reconcile(shopId: string, sku: string, outstanding = 0): Promise<GateReconciliation> {
      const found = await compare(shopId, sku, outstanding);
      await repair(shopId, sku, found.discrepancy);
      return { ...found, action: found.discrepancy > 0 ? 'restored' : found.discrepancy < 0 ? 'withdrawn' : 'none' };
    },
  };
}

export type GateAllocation = ReturnType<typeof makeGateAllocation>;
