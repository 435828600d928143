import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '#functions/registry';
import { type FunctionResources, PlatformFunction } from './constructs/platform-function';

/** Finds the deployed function of a spec. */
export interface FunctionLookup {
  functionFor(spec: FunctionSpec): IFunction;
}

export interface FunctionsProps {
  /** Every spec to deploy; repeated specs (several routes on one spec) become one function. */
  readonly specs: readonly FunctionSpec[];
  readonly stage: string;
  readonly resources: FunctionResources;
  /** @default the repository root */
  readonly projectRoot?: string;
  /** @default RetentionDays.TWO_WEEKS */
  readonly logRetention?: RetentionDays;
}

/** One PlatformFunction per distinct FunctionSpec (by id). */
export class Functions extends Construct implements FunctionLookup {
  readonly byId: ReadonlyMap<string, PlatformFunction>;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const byId = new Map<string, PlatformFunction>();
    const specs = new Map<string, FunctionSpec>();
    for (const spec of props.specs) {
      const known = specs.get(spec.id);
      if (known) {
        if (known !== spec && JSON.stringify(known) !== JSON.stringify(spec)) {
          throw new Error(`${this.node.path}: two different function specs share the id "${spec.id}" (${known.entry}, ${spec.entry})`);
        }
        continue;
      }
      specs.set(spec.id, spec);
      byId.set(
        spec.id,
        new PlatformFunction(this, spec.id, {
          spec,
          stage: props.stage,
          resources: props.resources,
          ...(props.projectRoot ? { projectRoot: props.projectRoot } : {}),
          ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        }),
      );
    }
    this.byId = byId;

    // The functions that schedule flash sales' capacity get the warmed functions of the same
    // context (one stack): their targets in the environment, and the scheduled-action calls on them.
    const warmTargets = [...byId.values()].flatMap((f) => (f.warmTarget ? [f.warmTarget] : []));
    for (const f of byId.values()) if (f.spec.uses.saleCapacity) f.grantSaleCapacity(warmTargets);
  }

  /** What invokes the spec's function: its `live` alias when it is warmed for sales (provisioned concurrency), else the function. */
  functionFor(spec: FunctionSpec): IFunction {
    return this.platformFunction(spec).invokeTarget;
  }

  platformFunction(spec: FunctionSpec): PlatformFunction {
    const found = this.byId.get(spec.id);
    if (!found) throw new Error(`${this.node.path}: no function was created for spec "${spec.id}"`);
    return found;
  }
}
